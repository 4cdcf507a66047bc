"""The progress chart's series and geometry (services/web/domain/charts.py): pure, no stack."""

from __future__ import annotations

from datetime import date

from services.web.domain import charts


def test_month_ends_cover_the_campaign_and_stop_at_its_end():
    ends = charts.month_ends(date(2020, 1, 15), date(2020, 3, 20))
    assert ends == [date(2020, 1, 31), date(2020, 2, 29), date(2020, 3, 20)]


def test_the_series_counts_achievements_by_each_month_end_and_stops_today():
    points = charts.achieved_series(
        date(2020, 1, 1),
        date(2020, 12, 31),
        4,
        [date(2020, 2, 29), date(2020, 3, 1), date(2020, 3, 31)],
        until=date(2020, 4, 10),
    )
    assert [(p.day, p.achieved, p.share) for p in points] == [
        (date(2020, 1, 31), 0, 0.0),
        (date(2020, 2, 29), 1, 0.25),
        (date(2020, 3, 31), 3, 0.75),
        (date(2020, 4, 10), 3, 0.75),  # the month under way, to today; later ones are not
    ]


def test_the_drawing_spans_the_plot_and_labels_the_last_month_without_overlap():
    points = charts.achieved_series(date(2020, 1, 1), date(2020, 12, 31), 2, [date(2020, 6, 1)])
    svg = charts.draw(points)
    xs = [x for x, _, _ in svg.dots]
    assert xs[0] == svg.left and xs[-1] == svg.right_edge
    ys = [y for _, y, _ in svg.dots]
    assert ys[0] == svg.bottom_edge and ys[5] == (svg.bottom_edge + charts.TOP) / 2
    labels = [label for _, label in svg.x_ticks]
    assert labels[0] == "01/2020" and labels[-1] == "12/2020"
    gaps = [b - a for (a, _), (b, _) in zip(svg.x_ticks, svg.x_ticks[1:], strict=False)]
    assert min(gaps) > (xs[1] - xs[0]) * 1.5  # never two neighbouring months' labels
