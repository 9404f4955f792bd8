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

func TestStaffNeedsActor(t *testing.T) {
	s := NewStaff(nil, nil, nil, nil, flows.Regions{})
	ctx := context.Background()
	if _, err := s.ViewRequest(ctx, "IP-7K3Q9D2M"); !errors.Is(err, ErrNoActor) {
		t.Errorf("view without an actor: %v", err)
	}
	if _, err := s.Requests(ctx, RequestFilter{}); !errors.Is(err, ErrNoActor) {
		t.Errorf("list without an actor: %v", err)
	}
	if _, err := s.SetStatus(ctx, "IP-7K3Q9D2M", StatusClosed, ""); !errors.Is(err, ErrNoActor) {
		t.Errorf("change without an actor: %v", err)
	}
	ctx = WithActor(ctx, Actor{Officer: Officer{ID: 7, Name: "Officer Lee", Session: "S"}})
	if who, ok := ActorFrom(ctx); !ok || who.Officer.Name != "Officer Lee" || who.Label() != "Officer Lee" {
		t.Errorf("actor from context: %+v %v", who, ok)
	}
	if _, ok := ActorFrom(WithActor(context.Background(), Actor{Officer: Officer{Name: "Nobody"}})); ok {
		t.Error("an officer with no id counts")
	}
	if who, ok := ActorFrom(WithActor(context.Background(), Actor{Client: "crm-sync"})); !ok || who.Label() != "API client crm-sync" {
		t.Errorf("API client from context: %+v %v", who, ok)
	}
	if _, err := s.AccessLog(WithActor(context.Background(), Actor{Officer: Officer{ID: 7, Role: RoleOfficer}}), "IP-7K3Q9D2M"); !errors.Is(err, ErrForbidden) {
		t.Errorf("an officer reads the access log: %v", err)
	}
	if _, err := s.ExportAccess(WithActor(context.Background(), Actor{Client: "crm-sync"}), time.Now(), time.Now().Add(time.Hour)); !errors.Is(err, ErrForbidden) {
		t.Errorf("an API client exports the access log: %v", err)
	}
}
