package flows

// maxAgeYears bounds how far back a date of birth or a past event may go:
// anything older is a typo (1895 for 1995), not a person we serve.
const maxAgeYears = 120

// maxAheadYears bounds how far ahead a travel or need date may go; Infopass
// requests are for the near future.
const maxAheadYears = 2

// CheckBirthDate checks that d can be the date of birth of a living person:
// before today and no more than 120 years ago.
func CheckBirthDate(d, today Date) error {
	switch {
	case !d.Before(today):
		return Invalid("problem.dob_future")
	case d.Before(addYears(today, -maxAgeYears)):
		return Invalid("problem.dob_too_old")
	}
	return nil
}

// CheckFutureDate checks that d, a date something is planned for, is today or
// later and no more than two years ahead.
func CheckFutureDate(d, today Date) error {
	switch {
	case d.Before(today):
		return Invalid("problem.date_past")
	case d.After(addYears(today, maxAheadYears)):
		return Invalid("problem.date_too_far")
	}
	return nil
}

// CheckPastDate checks that d, a date something happened, is today or
// earlier and within the last 120 years.
func CheckPastDate(d, today Date) error {
	switch {
	case d.After(today):
		return Invalid("problem.date_future")
	case d.Before(addYears(today, -maxAgeYears)):
		return Invalid("problem.date_too_old")
	}
	return nil
}

// addYears moves d by n years; 29 February becomes 1 March in a common year,
// which errs by a day on the lenient side.
func addYears(d Date, n int) Date { return DateOf(d.Time().AddDate(n, 0, 0)) }
