import dash
from dash import dcc, html

dash.register_page(
    __name__,
    path_template="/report/<report_id>",
    title=lambda report_id=None: f"Report {report_id}",
    example_values={"report_id": ["2024-spring", "2023-autumn"]},
)


def layout(report_id=None, **kwargs):
    return html.Div(
        [
            html.H2(f"Report {report_id}", id="report-title"),
            html.P("Counts from the field, week by week."),
            dcc.Link("Back home", href=dash.get_relative_path("/")),
        ]
    )
