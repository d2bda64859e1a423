"""A small Dash app with background callbacks, for tests/test_background.py: imported by the test
process (which starts the jobs) and by a second Python process (which polls them).

`steps` progress steps of STEP seconds each, then the result and a set_props; a negative count
raises, as a callback with a bug does.
"""

from __future__ import annotations

import time

from dash import Dash, Input, Output, State, dcc, html, set_props

STEP = 0.05

app = Dash(__name__)
app.layout = html.Div(
    [
        dcc.Input(id="steps", type="number", value=3),
        html.Button("Run", id="run"),
        html.Button("Cancel", id="cancel"),
        html.Progress(id="bar", value="0", max="1"),
        html.Div(id="out"),
        html.Div(id="side"),
        html.Button("Plain", id="plain"),
        html.Div(id="plain-out"),
    ]
)


@app.callback(
    Output("out", "children"),
    Input("run", "n_clicks"),
    State("steps", "value"),
    background=True,
    progress=[Output("bar", "value"), Output("bar", "max")],
    running=[(Output("run", "disabled"), True, False)],
    cancel=[Input("cancel", "n_clicks")],
    prevent_initial_call=True,
)
def slow(set_progress, n_clicks, steps):
    steps = int(steps)
    if steps < 0:
        raise ValueError(f"steps must not be negative, got {steps}")
    for i in range(steps):
        set_progress((str(i + 1), str(steps)))
        time.sleep(STEP)
    set_props("side", {"children": f"side effect of {steps}"})
    return f"done after {steps} steps"


@app.callback(Output("plain-out", "children"), Input("plain", "n_clicks"), prevent_initial_call=True)
def plain(n_clicks):
    raise ValueError("steps must not be negative, got -1")
