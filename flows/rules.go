package flows

// emergencyTravelBusinessDays is how close travel must be for USCIS to want a
// call instead of an online Emergency Advance Parole request.
const emergencyTravelBusinessDays = 10

// EmergencyTravelTooSoon reports whether travel is within ten business days
// of today, counting the business days after today up to and including the
// travel date (BusinessDaysBetween(today, travel) <= 10). Infopass then tells
// people to call the Contact Center, because a callback could come too late.
// Travel today or in the past is too soon as well.
func EmergencyTravelTooSoon(travel, today Date) bool {
	return BusinessDaysBetween(today, travel) <= emergencyTravelBusinessDays
}

// ADITFirstAskDate returns the first day an ADIT stamp appointment may be
// requested for proof of status needed on needed: leadDays calendar days
// before. The lead time is configuration, because USCIS changes it.
func ADITFirstAskDate(needed Date, leadDays int) Date { return needed.AddDays(-leadDays) }

// ADITTooEarly reports whether today is before ADITFirstAskDate: asking that
// early is refused, so the wizard says when to come back.
func ADITTooEarly(needed, today Date, leadDays int) bool {
	return today.Before(ADITFirstAskDate(needed, leadDays))
}
