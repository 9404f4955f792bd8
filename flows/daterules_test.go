package flows

import "testing"

func TestDateRules(t *testing.T) {
	const today = "2026-11-20"
	for _, tc := range []struct {
		name    string
		check   func(d, today Date) error
		d       string
		today   string
		problem string
	}{
		{"BirthOK", CheckBirthDate, "1985-03-07", today, ""},
		{"BirthOKYesterday", CheckBirthDate, "2026-11-19", today, ""},
		{"BirthOK120Years", CheckBirthDate, "1906-11-20", today, ""},
		{"BirthErrToday", CheckBirthDate, today, today, "problem.dob_future"},
		{"BirthErrFuture", CheckBirthDate, "2027-01-01", today, "problem.dob_future"},
		{"BirthErrTooOld", CheckBirthDate, "1906-11-19", today, "problem.dob_too_old"},
		{"BirthErrTwoDigitYearTypo", CheckBirthDate, "1895-03-07", today, "problem.dob_too_old"},
		{"BirthOKLeapDay120", CheckBirthDate, "1904-02-29", "2024-02-29", ""},
		{"BirthErrLeapDay120", CheckBirthDate, "1904-02-28", "2024-02-29", "problem.dob_too_old"},

		{"FutureOKToday", CheckFutureDate, today, today, ""},
		{"FutureOKTomorrow", CheckFutureDate, "2026-11-21", today, ""},
		{"FutureOKTwoYears", CheckFutureDate, "2028-11-20", today, ""},
		{"FutureErrPast", CheckFutureDate, "2026-11-19", today, "problem.date_past"},
		{"FutureErrTooFar", CheckFutureDate, "2028-11-21", today, "problem.date_too_far"},
		{"FutureOKFromLeapDay", CheckFutureDate, "2026-03-01", "2024-02-29", ""}, // 2026-02-29 rolls to 03-01
		{"FutureErrFromLeapDay", CheckFutureDate, "2026-03-02", "2024-02-29", "problem.date_too_far"},

		{"PastOKToday", CheckPastDate, today, today, ""},
		{"PastOKYesterday", CheckPastDate, "2026-11-19", today, ""},
		{"PastOK120Years", CheckPastDate, "1906-11-20", today, ""},
		{"PastErrFuture", CheckPastDate, "2026-11-21", today, "problem.date_future"},
		{"PastErrTooOld", CheckPastDate, "1906-11-19", today, "problem.date_too_old"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.check(mustDate(t, tc.d), mustDate(t, tc.today))
			checkProblem(t, "", err, tc.problem)
		})
	}
}
