package bot

import (
	"context"
	"errors"
	"testing"
	"time"

	"infopass/flows"
)

func TestCallbackDue(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, ny) }
	for _, tt := range []struct {
		name      string
		typ       flows.AppointmentType
		submitted time.Time
		want      time.Time
	}{
		{"EAP48Hours", flows.TypeEAP, at(2026, 11, 20, 10, 0), at(2026, 11, 22, 10, 0)},
		{"ADITSkipsThanksgiving", flows.TypeADIT, at(2026, 11, 20, 10, 0), at(2026, 12, 3, 0, 0)},
		{"IJOnAWeekend", flows.TypeIJ, at(2026, 11, 21, 23, 30), at(2026, 12, 3, 0, 0)},
		{"LateEveningCountsItsDay", flows.TypeADIT, at(2026, 11, 16, 23, 59), at(2026, 11, 26, 0, 0)},
		{"SkipsChristmas", flows.TypeADIT, at(2026, 12, 21, 9, 0), at(2027, 1, 1, 0, 0)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := CallbackDue(Request{Type: tt.typ, SubmittedAt: tt.submitted.UTC()}, ny)
			if !got.Equal(tt.want) {
				t.Errorf("due %s, want %s", got.In(ny), tt.want)
			}
		})
	}
}

func TestViewRequestNeedsOfficer(t *testing.T) {
	s := NewStaff(nil, nil, nil, nil, flows.Regions{})
	if _, err := s.ViewRequest(context.Background(), "IP-7K3Q9D2M"); !errors.Is(err, ErrNoOfficer) {
		t.Errorf("without an officer: %v", err)
	}
	ctx := WithOfficer(context.Background(), Officer{Name: "Officer Lee", Session: "S"})
	if who, ok := OfficerFrom(ctx); !ok || who.Name != "Officer Lee" {
		t.Errorf("officer from context: %+v %v", who, ok)
	}
	if _, ok := OfficerFrom(WithOfficer(context.Background(), Officer{})); ok {
		t.Error("a nameless officer counts")
	}
}
