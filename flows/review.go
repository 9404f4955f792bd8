package flows

// reviewItem is one numbered line of the review: its name and the
// questions that change it, in order.
type reviewItem struct {
	name  string
	steps []Step
}

// reviewItems lists the review's numbered lines. The representative's line
// comes last and is shown only when a representative is filing.
func reviewItems() []reviewItem {
	return []reviewItem{
		{"applicant", []Step{StepName, StepBirthDate}},
		{"residence", []Step{StepResidence, StepBirthCountry}},
		{"appointment", []Step{StepType, StepADITDate, StepTravelDate, StepTravelReason, StepOrderDate, StepGrant}},
		{"numbers", []Step{StepReceipt, StepReceiptConfirm, StepANumber}},
		{"contact", []Step{StepEmail, StepPhone}},
		{"callback", []Step{StepDays, StepTimeOfDay}},
		{"representative", []Step{StepRepName, StepRepPhone, StepRepEmail, StepRepTexts, StepRepAccount}},
	}
}

// ReviewSteps lists every question that a review edit can reach.
func ReviewSteps() []Step {
	var steps []Step
	for _, it := range reviewItems() {
		steps = append(steps, it.steps...)
	}
	return steps
}

// itemCount is how many review lines a's review shows.
func itemCount(a Answers) int {
	if a.Role == RoleRepresentative {
		return len(reviewItems())
	}
	return len(reviewItems()) - 1
}

// inItem reports whether step belongs to review line n (1-based).
func inItem(n int, step Step) bool {
	if n < 1 || n > len(reviewItems()) {
		return false
	}
	for _, s := range reviewItems()[n-1].steps {
		if s == step {
			return true
		}
	}
	return false
}

// reviewPages groups the review's items (numbered from 1) into pages that
// each fit in one short text.
func reviewPages(a Answers) [][]int {
	pages := [][]int{{1, 2}, {3, 4}, {5, 6}}
	if a.Role == RoleRepresentative {
		pages = append(pages, []int{7})
	}
	return pages
}

// pageOf returns the page showing item n, or the first page.
func pageOf(a Answers, n int) int {
	for p, items := range reviewPages(a) {
		for _, it := range items {
			if it == n {
				return p
			}
		}
	}
	return 0
}

// reviewMsgs renders the current page of the review: a heading, a line an
// item, the question.
func reviewMsgs(a Answers) []Msg {
	pages := reviewPages(a)
	page := min(max(a.ReviewPage, 0), len(pages)-1)
	msgs := []Msg{M("review.heading", "Page", page+1, "Pages", len(pages))}
	for _, n := range pages[page] {
		msgs = append(msgs, reviewLine(a, n))
	}
	if page < len(pages)-1 {
		return append(msgs, M("review.ask_page"))
	}
	return append(msgs, M("review.ask"))
}

// reviewLine renders review line n.
func reviewLine(a Answers, n int) Msg {
	lang := langTag(a.Language)
	switch n {
	case 1:
		return M("review.applicant", "N", 1, "Name", a.Name, "BirthDate", a.BirthDate)
	case 2:
		place := M("review.zip", "ZIP", a.ZIP)
		if a.ZIP == "" {
			place = M("review.country", "Country", CountryName(a.Country, lang))
		}
		return M("review.place", "N", 2, "Place", place, "BirthCountry", CountryName(a.BirthCountry, lang))
	case 3:
		return M("review.appointment", "N", 3, "Detail", appointmentDetail(a))
	case 4:
		receipt, anumber := any(a.Receipt), any(a.ANumber)
		if a.Receipt == "" {
			receipt = M("review.none")
		}
		if a.ANumber == "" {
			anumber = M("review.none")
		}
		return M("review.numbers", "N", 4, "Receipt", receipt, "ANumber", anumber)
	case 5:
		email := any(a.Email)
		if a.Email == "" {
			email = M("review.none")
		}
		return M("review.contact", "N", 5, "Email", email, "Phone", PhoneDisplay(a.Phone))
	case 6:
		return M("review.callback", "N", 6, "Days", daysMsg(a.Days), "Time", M("time."+string(a.TimeOfDay)))
	}
	texts := M("review.rep_no_texts")
	if a.Rep.ConfirmByText {
		texts = M("review.rep_texts")
	}
	return M("review.rep", "N", 7, "Name", a.Rep.Name, "Phone", PhoneDisplay(a.Rep.Phone), "Email", a.Rep.Email, "Texts", texts)
}

func appointmentDetail(a Answers) Msg {
	switch a.Type {
	case TypeADIT:
		return M("review.type_adit", "Date", a.NeededBy)
	case TypeEAP:
		return M("review.type_eap", "Date", a.TravelDate)
	case TypeIJ:
		return M("review.type_ij", "Date", a.OrderDate, "Grant", M("grant."+string(a.Granted)))
	}
	return M("review.type_other")
}

// daysMsg names the preferred days: "any weekday" or a list of day names.
func daysMsg(days []Weekday) any {
	if len(days) == 0 {
		return M("days.any")
	}
	names := make(List, len(days))
	for i, d := range days {
		names[i] = M("day." + string(d))
	}
	return names
}

// ReviewItemOf returns the review line (1-based) that step belongs to, or 0.
func ReviewItemOf(step Step) int { return itemOf(step) }

// itemOf returns the review line (1-based) that step belongs to.
func itemOf(step Step) int {
	for i := range reviewItems() {
		if inItem(i+1, step) {
			return i + 1
		}
	}
	return 0
}

// Missing returns the first question whose answer a request needs and a
// lacks, or "" when a can be filed.
func Missing(a Answers) Step {
	type need struct {
		step Step
		ok   bool
	}
	needs := []need{
		{StepName, a.Name != ""},
		{StepBirthDate, !a.BirthDate.IsZero()},
		{StepResidence, a.ZIP != "" || a.Country != ""},
		{StepBirthCountry, a.BirthCountry != ""},
		{StepType, a.Type == TypeADIT || a.Type == TypeEAP || a.Type == TypeIJ},
		{StepADITDate, a.Type != TypeADIT || !a.NeededBy.IsZero()},
		{StepTravelDate, a.Type != TypeEAP || !a.TravelDate.IsZero()},
		{StepTravelReason, a.Type != TypeEAP || a.TravelReason != ""},
		{StepOrderDate, a.Type != TypeIJ || !a.OrderDate.IsZero()},
		{StepGrant, a.Type != TypeIJ || a.Granted != ""},
		{StepReceipt, a.Receipt != "" || a.Skipped[StepReceipt]},
		{StepANumber, a.ANumber != "" || a.Skipped[StepANumber]},
		{StepEmail, a.Email != "" || a.Skipped[StepEmail]},
		{StepPhone, a.Phone != ""},
		{StepDays, a.DaysAnswered},
		{StepTimeOfDay, a.TimeOfDay != ""},
		{StepRepName, a.Role != RoleRepresentative || a.Rep.Name != ""},
		{StepRepPhone, a.Role != RoleRepresentative || a.Rep.Phone != ""},
		{StepRepEmail, a.Role != RoleRepresentative || a.Rep.Email != ""},
	}
	for _, n := range needs {
		if !n.ok {
			return n.step
		}
	}
	return ""
}
