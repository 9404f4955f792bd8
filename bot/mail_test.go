package bot

import (
	"strings"
	"testing"
)

func TestEmailBody(t *testing.T) {
	for _, e := range []Email{
		{Subject: "Your request IP-ABC", Text: "Line one.\nLine \"two\" & <three>.", HTML: `<p lang="es">Línea &amp; <b>dos</b></p>`},
		{Subject: "您的申请", Text: "参考号 IP-ABC"},
		{},
	} {
		body := EncodeEmail(e)
		if got, err := DecodeEmail(body); err != nil || got != e {
			t.Errorf("%q read back as %+v, %v", body, got, err)
		}
		if strings.Contains(body, `\u003c`) || strings.HasSuffix(body, "\n") {
			t.Errorf("%q: HTML escaped, or a trailing newline", body)
		}
		kept, err := KeptEmail(body)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := DecodeEmail(kept); err != nil || got != (Email{Subject: e.Subject, Text: e.Text}) || strings.Contains(kept, `"html"`) {
			t.Errorf("kept %q of %q (%+v, %v)", kept, body, got, err)
		}
	}
	if _, err := KeptEmail("not an email"); err == nil {
		t.Error("kept something of a body that is no email")
	}
}
