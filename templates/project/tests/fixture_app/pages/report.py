"""A page with a path template: /report/<report_id>."""

import dash
from dash import html

dash.register_page(__name__, path_template="/report/<report_id>", name="Report")


def layout(report_id=None, **_query):
    return html.Main([html.H1(f"Report {report_id}", id="report-title")])
