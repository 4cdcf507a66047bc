"""The demo's steps, in the order the year unfolds: registry (units, blocs, people, the campaign),
notify setup (addresses, the subscribed system), progress (reports, standings, ratings,
initiatives), awards (nominations to the decision), notifications, summary."""
