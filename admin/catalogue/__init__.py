"""The activity catalogue (administrator): sites, activities, recurring sessions, enrolments."""
