"""Work the clock starts: reminders, the day's standings, year-end leaders, the standings worker."""
