"""The progress service: progress reports, completion, early finish, bloc standings, ratings
and initiatives."""
