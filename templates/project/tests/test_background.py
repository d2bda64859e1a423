"""Background callbacks on Lambda (src/serverless_dash/background.py), against a real DynamoDB-
compatible server (moto's server mode, tests/conftest.py `aws`): the manager's whole interface,
cancel, a job that outlives its worker, results over the item limit, the shared signing secret,
installing on an app; then through a real Dash app: a job started here and polled from another
process, a job that raises, cancel, forged handles and handles of another page load.
"""

from __future__ import annotations

import atexit
import base64
import importlib
import io
import json
import logging
import os
import re
import sys
import threading
import time
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import boto3
import pytest
from app_pages import AppContainer, body_of, post_json, public_door, stack_environment
from dash import Dash, Input, Output, _get_app, html
from dash.background_callback.managers.diskcache_manager import DiskcacheManager

from serverless_dash import background
from serverless_dash.background import (
    BackgroundConfigError,
    DynamoStore,
    LambdaManager,
    ThreadInvoker,
    install,
    run_job,
)
from tools.stack_config import load_template, stack_config

ROOT = Path(__file__).resolve().parent.parent


class Recorder:
    """An invoker that keeps the events instead of running them: a worker that never came."""

    def __init__(self) -> None:
        self.events: list[dict] = []

    def __call__(self, manager: LambdaManager, payload: bytes) -> None:
        self.events.append(json.loads(payload))


@pytest.fixture(autouse=True)
def one_app_at_a_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Dash finds "the app" (whose secret signs job handles) as the last one built, or the one a
    context variable names, and hands the `dash.callback` callbacks not yet claimed to the first
    app that serves a request: one app per process on Lambda. These tests build several: each
    leaves both as it found them, and its apps claim none of the process's app's callbacks."""
    from dash import _callback

    monkeypatch.setattr(_callback, "GLOBAL_CALLBACK_MAP", {})
    monkeypatch.setattr(_callback, "GLOBAL_CALLBACK_LIST", [])
    app, token = _get_app.APP, _get_app.app_context.set(None)
    yield
    _get_app.APP = app
    _get_app.app_context.reset(token)


def client(service: str, endpoint: str):
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1")


@pytest.fixture
def store(jobs_environment: dict[str, str]) -> DynamoStore:
    return DynamoStore(jobs_environment["DASH_JOBS_TABLE"], client("dynamodb", jobs_environment["AWS_ENDPOINT_URL"]))


def manager_with(store: DynamoStore, invoker=None, **kwargs) -> LambdaManager:
    return LambdaManager(store, invoker or Recorder(), **kwargs)


def register(manager: LambdaManager, fn, progress: bool = True) -> str:
    key = f"fn-{uuid.uuid4().hex}"
    manager.register(key, fn, progress)
    return key


# --- the manager ---------------------------------------------------------------------------------


def test_a_job_through_the_whole_interface(store: DynamoStore) -> None:
    recorder = Recorder()
    manager = manager_with(store, recorder)

    def report(set_progress, n):
        set_progress((1, n))
        background.context_value.get().updated_props["side"] = {"children": "set"}
        return {"n": n}

    fn_key = register(manager, report)
    key = uuid.uuid4().hex
    job = manager.call_job_fn(key, manager.func_registry[fn_key], [3], {"args": {}, "inputs_list": []})

    # Started, not run: the event the worker gets, the job queued in the table.
    assert [e["fn"] for e in recorder.events] == [fn_key] and recorder.events[0]["args"] == [3]
    assert manager.job_running(job)
    assert not manager.result_ready(key)
    assert manager.get_result(key, job) is manager.UNDEFINED
    assert manager.get_progress(key) is None

    # The worker: progress, set_props, result.
    assert run_job(manager, recorder.events[0], time.time() + 60) == background.DONE
    assert manager.get_progress(key) == [1, 3]
    assert manager.get_progress(key) is None, "a progress report is delivered once"
    assert manager.get_updated_props(key) == {"side": {"children": "set"}}
    assert manager.get_updated_props(key) == {}
    assert manager.result_ready(key)
    # Dash reads the result, then asks whether the job runs: a job done since the first read must
    # keep the polling going until its result is read.
    assert manager.job_running(job), "done, its result unread"
    assert manager.get_result(key, job) == {"n": 3}
    assert not manager.result_ready(key), "without cache_by a result is read once"
    assert not manager.job_running(job)
    manager.terminate_job(job)
    assert store.get(f"job#{job}", "job")["status"] == background.DONE, "a finished job stays finished"
    manager.terminate_job(None)

    # A second worker for the same job (a retried event) does not run it again.
    assert run_job(manager, recorder.events[0], time.time() + 60) == background.CANCELLED


def test_a_job_starts_with_an_asynchronous_invocation_of_the_worker(
    store: DynamoStore, jobs_environment: dict[str, str]
) -> None:
    """On Lambda: lambda:Invoke, InvocationType=Event, of the function DASH_JOBS_WORKER names (moto's
    Lambda answers as Lambda does, 202, without running it)."""
    endpoint = jobs_environment["AWS_ENDPOINT_URL"]
    role = client("iam", endpoint).create_role(
        RoleName=f"worker-{uuid.uuid4().hex[:8]}", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17"})
    )["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as z:
        z.writestr("worker.py", "def lambda_handler(event, context):\n    return event\n")
    name = f"worker-{uuid.uuid4().hex[:8]}"
    lambdas = client("lambda", endpoint)
    lambdas.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=role,
        Handler="worker.lambda_handler",
        Code={"ZipFile": code.getvalue()},
    )
    manager = manager_with(store, background.LambdaInvoker(name, lambdas))
    key = uuid.uuid4().hex
    job = manager.call_job_fn(key, manager.func_registry[register(manager, lambda: 1, False)], [], {})
    assert manager.job_running(job)
    with pytest.raises(lambdas.exceptions.ResourceNotFoundException):
        background.LambdaInvoker("no-such-worker", lambdas)(manager, b"{}")


def test_cache_by_keeps_the_result_and_skips_the_worker(store: DynamoStore) -> None:
    recorder = Recorder()
    manager = manager_with(store, recorder, cache_by=[lambda: "v1"], expire=600)
    fn_key = register(manager, lambda n: n * 2, progress=False)
    key = uuid.uuid4().hex
    job = manager.call_job_fn(key, manager.func_registry[fn_key], [21], {})
    run_job(manager, recorder.events[0], time.time() + 60)
    assert manager.get_result(key, job) == 42
    assert manager.result_ready(key), "cached"
    again = manager.call_job_fn(key, manager.func_registry[fn_key], [21], {})
    assert len(recorder.events) == 1, "a cached result needs no worker"
    assert manager.get_result(key, again) == 42
    manager.clear_cache_entry(key)
    assert not manager.result_ready(key)


def test_cancel_stops_the_worker_at_its_next_progress_call(store: DynamoStore) -> None:
    invoker = ThreadInvoker()
    manager = manager_with(store, invoker)
    reported = threading.Event()
    calls: list[int] = []

    def forever(set_progress):
        while True:
            set_progress(len(calls))
            calls.append(1)
            reported.set()
            time.sleep(0.01)

    key = uuid.uuid4().hex
    job = manager.call_job_fn(key, manager.func_registry[register(manager, forever)], [], {})
    assert reported.wait(10)
    assert manager.job_running(job)
    manager.terminate_job(job)
    invoker.threads[-1].join(5)
    assert not invoker.threads[-1].is_alive(), "the worker stopped"
    assert store.get(f"job#{job}", "job")["status"] == background.CANCELLED
    assert not manager.job_running(job)
    assert not manager.result_ready(key), "a cancelled job writes no result"


def test_a_job_that_outlives_its_worker_is_reported_failed(store: DynamoStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(background, "START_MARGIN", -1)  # every deadline already passed: no waiting
    manager = manager_with(store, Recorder(), worker_timeout=0.2, max_event_age=0)
    fn = manager.func_registry[register(manager, lambda: 1, False)]

    # An invocation that never started (dropped: throttled past its maximum age).
    key = uuid.uuid4().hex
    job = manager.call_job_fn(key, fn, [], {})
    assert not manager.job_running(job)
    failed = manager.get_result(key, job)
    assert "or its invocation was dropped" in failed["background_callback_error"]["msg"]
    assert store.get(f"job#{job}", "job")["status"] == background.FAILED
    assert manager.terminate_unhealthy_job(job) is False, "already marked"
    assert run_job(manager, {"job": job, "key": key, "fn": fn.key, "args": [], "context": {}}, time.time() + 60) == (
        background.CANCELLED
    ), "a late worker does not run a job its page was told failed"

    # A worker that started and ran past its own end (Lambda stopped it: no result, no last write).
    key = uuid.uuid4().hex
    job = manager.call_job_fn(key, fn, [], {})
    running = {"status": background.RUNNING, "deadline": background._seconds(time.time() - 1)}
    assert store.transition(f"job#{job}", "job", (background.QUEUED,), running)
    assert not manager.job_running(job)
    assert manager.terminate_unhealthy_job(job) is True
    assert "worker function's timeout (0.2 s)" in manager.get_result(key, job)["background_callback_error"]["msg"]


def test_a_result_over_the_item_limit_is_refused_with_a_clear_error(store: DynamoStore) -> None:
    recorder = Recorder()
    manager = manager_with(store, recorder)
    big = base64.b64encode(os.urandom(600_000)).decode()  # ~800 KB of JSON, ~600 KB compressed
    key = uuid.uuid4().hex
    job = manager.call_job_fn(key, manager.func_registry[register(manager, lambda: big, False)], [], {})
    run_job(manager, recorder.events[0], time.time() + 60)
    msg = manager.get_result(key, job)["background_callback_error"]["msg"]
    assert "over the 358400 bytes a job's result may have" in msg and "S3" in msg


def test_expired_items_are_ignored(store: DynamoStore) -> None:
    past = int(time.time()) - 1
    key = uuid.uuid4().hex
    store.put(key, "result", {"data": b"x", "expires": past})
    store.put(f"job#{key}", "job", {"status": background.RUNNING, "deadline": past + 100, "expires": past})
    manager = manager_with(store)
    assert not manager.result_ready(key)
    assert store.take(key, "result") is None
    assert not manager.job_running(key)
    assert not store.transition(f"job#{key}", "job", (background.RUNNING,), {"status": background.CANCELLED})


def test_the_signing_secret_is_shared_through_the_table_and_never_expires(
    store: DynamoStore, jobs_environment: dict[str, str]
) -> None:
    first = manager_with(store).get_or_create_signing_secret(lambda: b"first")
    other = DynamoStore(store.table, client("dynamodb", jobs_environment["AWS_ENDPOINT_URL"]))
    assert manager_with(other).get_or_create_signing_secret(lambda: b"second") == first
    assert "expires" not in store.get("signing-secret", "secret")


# --- installing on an app ------------------------------------------------------------------------


def diskcache_manager(cache_by=None, expire=None) -> DiskcacheManager:
    """A DiskcacheManager as Dash's docs make one, without its disk (diskcache is not installed)."""
    manager = DiskcacheManager.__new__(DiskcacheManager)
    manager.handle, manager.expire = None, expire
    background.BaseBackgroundCallbackManager.__init__(manager, cache_by)
    return manager


def test_install_puts_the_manager_and_the_secret_on_an_app(jobs_environment: dict[str, str]) -> None:
    app = Dash(__name__)
    app.layout = html.Div()
    manager = install(app)
    assert app._background_manager is manager
    assert not app.server.secret_key, "locally: read from the table at the first request"
    assert app.server.test_client().get("/").status_code == 200
    assert app.server.secret_key == manager.get_or_create_signing_secret(lambda: b"unused")
    assert isinstance(manager.store, DynamoStore) and isinstance(manager.invoker, ThreadInvoker)


def test_install_replaces_a_diskcache_manager_keeping_cache_by_and_expire(
    jobs_environment: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    cache_by = [lambda: "v"]
    app = Dash(__name__, background_callback_manager=diskcache_manager(cache_by, 60))
    own = diskcache_manager()

    @app.callback(Output("o", "children"), Input("i", "n_clicks"), background=True, manager=own)
    def slow(n):
        return n

    with caplog.at_level(logging.WARNING):
        install(app)
    assert isinstance(app._background_manager, LambdaManager)
    assert app._background_manager.cache_by == cache_by and app._background_manager.expire == 60
    spec = app.callback_map["o.children"]
    assert isinstance(spec["manager"], LambdaManager) and spec["background"]["manager"] is spec["manager"]
    assert "DiskcacheManager is replaced by the Lambda manager" in caplog.text


def test_install_keeps_an_apps_own_secret_key_and_other_managers(jobs_environment: dict[str, str]) -> None:
    app = Dash(__name__)
    app.server.secret_key = "the app's own"  # noqa: S105 - a test value
    mine = manager_with(DynamoStore(jobs_environment["DASH_JOBS_TABLE"]))
    app._background_manager = mine
    install(app)
    assert app.server.secret_key == "the app's own"  # noqa: S105 - a test value
    assert app._background_manager is mine


def test_install_takes_the_stack_secret_from_the_environment(jobs_environment: dict[str, str], monkeypatch) -> None:
    """On AWS: CloudFormation resolves the Secrets Manager secret into DASH_JOBS_SECRET on deploy;
    the container reads nothing at its start."""
    monkeypatch.setenv("DASH_JOBS_SECRET", "from-the-stack")
    app = Dash(__name__)
    install(app)
    # Dash asks the manager (no secret_key: Flask would open a signed-cookie session per request).
    assert not app.server.secret_key
    assert app._get_signing_secret() == b"from-the-stack"


def test_a_secret_that_cannot_be_read_fails_the_request_instead_of_signing_with_another(
    jobs_environment: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Dash would fall back to a per-process secret, which other containers cannot verify."""
    monkeypatch.setenv("DASH_JOBS_TABLE", "no-such-table")
    app = Dash(__name__)
    app.layout = html.Div()
    install(app)
    pages = app.server.test_client()
    assert pages.get("/").status_code == 500
    assert not app.server.secret_key
    app._background_manager.store.table = jobs_environment["DASH_JOBS_TABLE"]  # the table is back
    assert pages.get("/").status_code == 200, "tried again by the next request"
    assert app.server.secret_key


def test_install_without_the_environment_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DASH_JOBS_TABLE", raising=False)
    with pytest.raises(BackgroundConfigError, match="DASH_JOBS_TABLE and DASH_JOBS_WORKER"):
        install(Dash(__name__))


# --- template.yaml ------------------------------------------------------------------------------


def test_the_template_has_the_worker_the_table_and_what_each_function_may_do() -> None:
    resources = load_template()["Resources"]
    web, worker = resources["DashFunction"]["Properties"], resources["DashWorkerFunction"]["Properties"]
    module, function = worker["Handler"].rsplit(".", 1)
    assert callable(getattr(importlib.import_module(module), function))
    assert worker["CodeUri"] == web["CodeUri"]
    assert worker["EventInvokeConfig"] == {"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 60}
    web_env, worker_env = web["Environment"]["Variables"], worker["Environment"]["Variables"]
    assert web_env["DASH_JOBS_WORKER"] == {"Ref": "DashWorkerFunction"}
    assert web_env["DASH_JOBS_MAX_EVENT_AGE"] == str(worker["EventInvokeConfig"]["MaximumEventAgeInSeconds"])
    assert web_env["DASH_JOBS_WORKER_TIMEOUT"] == worker["Timeout"]
    assert web_env["DASH_JOBS_SECRET"] == {"Fn::Sub": "{{resolve:secretsmanager:${DashJobsSecret}:SecretString}}"}
    assert web_env["DASH_JOBS_TABLE"] == worker_env["DASH_JOBS_TABLE"] == {"Ref": "DashJobsTable"}
    assert "DASH_JOBS_WORKER" not in worker_env, "the worker starts no jobs and reads no secret"

    table = resources["DashJobsTable"]["Properties"]
    assert table["KeySchema"] == background.KEY_SCHEMA
    assert table["AttributeDefinitions"] == background.ATTRIBUTE_DEFINITIONS
    assert table["TimeToLiveSpecification"] == {"AttributeName": background.TTL_ATTRIBUTE, "Enabled": True}

    def allowed(role: str) -> dict[str, object]:
        actions: dict[str, object] = {}
        for policy in resources[role]["Properties"]["Policies"]:
            for statement in policy["PolicyDocument"]["Statement"]:
                for action in [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]:
                    actions[action] = statement["Resource"]
        return actions

    web_may, worker_may = allowed("DashFunctionRole"), allowed("DashWorkerRole")
    table_arn = {"Fn::GetAtt": ["DashJobsTable", "Arn"]}
    for action in ("GetItem", "PutItem", "UpdateItem", "DeleteItem"):
        assert web_may[f"dynamodb:{action}"] == table_arn
    for action in ("GetItem", "PutItem", "UpdateItem"):
        assert worker_may[f"dynamodb:{action}"] == table_arn
    assert web_may["lambda:InvokeFunction"] == {"Fn::GetAtt": ["DashWorkerFunction", "Arn"]}
    assert not any(a.startswith("secretsmanager:") for a in web_may), "resolved on deploy, never read"
    assert not any(a.startswith(("lambda:", "secretsmanager:")) for a in worker_may)
    assert "*" not in {**web_may, **worker_may}


# --- through a real Dash app ---------------------------------------------------------------------

START = {
    "output": "out.children",
    "outputs": {"id": "out", "property": "children"},
    "inputs": [{"id": "run", "property": "n_clicks", "value": 1}],
    "changedPropIds": ["run.n_clicks"],
}


def body(steps: int) -> dict:
    return {**START, "state": [{"id": "steps", "property": "value", "value": steps}]}


CANCEL = {
    "output": "cancel.id",
    "outputs": {"id": "cancel", "property": "id"},
    "inputs": [{"id": "cancel", "property": "n_clicks", "value": 1}],
    "changedPropIds": ["cancel.n_clicks"],
    "state": [],
}

_installed: list = []


@pytest.fixture
def app(jobs_environment: dict[str, str], monkeypatch: pytest.MonkeyPatch):
    """tests/background_app.py with the manager installed, as the platform does after import."""
    import background_app

    if not _installed:
        install(background_app.app)
        background_app.app.server.test_client().get("/")
        _installed.append(background_app.app)
    _get_app.app_context.set(background_app.app)
    return background_app.app


CONFIG_SCRIPT = r'<script id="_dash-config" type="application/json">(.*?)</script>'


def page_load(app) -> str:
    """A page load's signed end_id, as the renderer reads it from the page."""
    page = app.server.test_client().get("/").get_data(as_text=True)
    return json.loads(re.search(CONFIG_SCRIPT, page, re.S).group(1))["end_id"]


def start(app, end_id: str, steps: int) -> dict:
    answer = app.server.test_client().post("/_dash-update-component", json=body(steps), query_string={"endId": end_id})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()


def poll(app, end_id: str, handles: dict, steps: int):
    query = {"endId": end_id, "cacheKey": handles["cacheKey"], "job": handles["job"]}
    return app.server.test_client().post("/_dash-update-component", json=body(steps), query_string=query)


def unsigned(handle: str) -> str:
    return handle.rpartition("~")[0]


def wait_for(predicate, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.02)


def _container() -> AppContainer:
    """tests/background_app.py through the real Lambda entry in a process of its own, as in another
    Lambda container: it shares only the session's table with this process."""
    config = stack_config()
    env = {**stack_environment(config), "DASH_APP": "background_app:app", "PYTHONPATH": str(ROOT / "tests")}
    container = AppContainer(config, env)
    atexit.register(container.close)
    return container


# Started at collection: it imports the app while the other tests run.
OTHER_CONTAINER = _container()


def test_a_job_started_here_is_polled_through_the_handler_of_another_process(app, config) -> None:
    """The whole path: the POST that starts the job answers at once with signed handles; another
    process, which shares only the table with this one, polls through the real Lambda entry at the
    stack's public door until it sees progress, then the result and the job's set_props."""
    end_id = page_load(app)
    handles = start(app, end_id, 6)
    assert set(handles) == {"cacheKey", "job", "cancel"}
    door = public_door(config, OTHER_CONTAINER)
    query = urlencode({"endId": end_id, "cacheKey": handles["cacheKey"], "job": handles["job"]})
    url = f"{config.public_prefix}_dash-update-component?{query}"
    answers = []
    end = time.monotonic() + 20
    while not answers or "response" not in answers[-1]:
        assert time.monotonic() < end, answers
        polled = post_json(door, url, body(6))
        assert polled.status == 200, (polled.status, body_of(polled), OTHER_CONTAINER.logs())
        answers.append(json.loads(body_of(polled)))
        time.sleep(0.05)
    assert any("progress" in a for a in answers), answers
    assert answers[-1]["response"] == {"out": {"children": "done after 6 steps"}}
    # set_props comes with the poll after the job made it (the result's, or one before).
    assert [a["sideUpdate"] for a in answers if "sideUpdate" in a] == [{"side": {"children": "side effect of 6"}}]


class LambdaContext:
    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def test_the_worker_function_runs_a_job_of_the_app(app, monkeypatch: pytest.MonkeyPatch) -> None:
    """serverless_dash.worker.lambda_handler, as in a new worker container: the app DASH_APP names,
    loaded by the platform's loader (which installs the manager), runs the job of the event the web
    function sent; its result is in the table for any web container."""
    from serverless_dash import worker

    monkeypatch.setenv("DASH_APP", "background_app:app")
    monkeypatch.delenv("DASH_JOBS_WORKER")  # as template.yaml configures the worker
    monkeypatch.delitem(sys.modules, "background_app")  # a new container imports the app anew
    monkeypatch.setattr(worker, "_app", None)
    recorder = Recorder()
    starter = app._background_manager.like(None, None)
    starter.invoker = recorder
    fn_key = next(k for k, f in starter.func_registry.items() if f.fn.__qualname__ == "slow")
    key = uuid.uuid4().hex
    job = starter.call_job_fn(key, starter.func_registry[fn_key], [1, 2], {"args": {}})
    assert worker.lambda_handler(recorder.events[0], LambdaContext()) == {"job": job, "status": "done"}
    loaded = worker.load_app()
    assert loaded is not app and isinstance(loaded._background_manager, LambdaManager)
    assert app._background_manager.get_result(key, job) == "done after 2 steps"


def test_a_job_that_raises_fails_its_poll_as_a_callback_that_raises(app, caplog: pytest.LogCaptureFixture) -> None:
    end_id = page_load(app)
    handles = start(app, end_id, -1)
    with caplog.at_level(logging.ERROR):
        wait_for(lambda: app._background_manager.result_ready(unsigned(handles["cacheKey"])))
        failed = poll(app, end_id, handles, -1)
    plain = app.server.test_client().post(
        "/_dash-update-component",
        json={
            "output": "plain-out.children",
            "outputs": {"id": "plain-out", "property": "children"},
            "inputs": [{"id": "plain", "property": "n_clicks", "value": 1}],
            "changedPropIds": ["plain.n_clicks"],
            "state": [],
        },
    )
    assert failed.status_code == plain.status_code == 500
    assert "BackgroundCallbackError: An error occurred inside a background callback" in caplog.text
    assert "steps must not be negative, got -1" in caplog.text
    assert 'raise ValueError(f"steps must not be negative' in caplog.text, "the job's own traceback"


def test_cancel_through_dash_and_only_with_this_page_loads_handle(app) -> None:
    end_id, other_end_id = page_load(app), page_load(app)
    handles = start(app, end_id, 400)  # 20 s unless cancelled
    job = unsigned(handles["job"])
    manager = app._background_manager
    wait_for(lambda: manager.store.get(f"job#{job}", "job")["status"] == background.RUNNING)

    def cancel(end: str, signed_job: str) -> int:
        query = {"endId": end, "cancelJob": signed_job}
        return app.server.test_client().post("/_dash-update-component", json=CANCEL, query_string=query).status_code

    cancel(other_end_id, handles["job"])  # another page load's cancel
    cancel(end_id, job + "~" + "0" * 64)  # a forged one
    cancel(end_id, job)  # no signature at all
    assert manager.job_running(job), "refused handles cancel nothing"
    cancel(end_id, handles["job"])
    assert manager.store.get(f"job#{job}", "job")["status"] == background.CANCELLED
    thread = manager.invoker.threads[-1]
    thread.join(5)
    assert not thread.is_alive(), "the worker stopped at its next progress call"
    answer = poll(app, end_id, handles, 400)
    assert answer.status_code == 204, "polling ends with no update, as Dash ends a cancelled job"


def test_forged_handles_and_another_page_loads_handles_are_refused(app) -> None:
    end_id, other_end_id = page_load(app), page_load(app)
    handles = start(app, end_id, 1)
    key = unsigned(handles["cacheKey"])
    manager = app._background_manager
    wait_for(lambda: manager.result_ready(key))

    forged = {"cacheKey": key + "~" + "0" * 64, "job": handles["job"]}
    replayed = handles
    for end, attempt in ((end_id, forged), (other_end_id, replayed), (end_id, {"cacheKey": key, "job": "x"})):
        answer = poll(app, end, attempt, 1)
        assert answer.status_code == 204 or "response" not in answer.get_json(), answer.get_data(as_text=True)
        assert manager.result_ready(key), "a refused handle reads and deletes nothing"
    answer = poll(app, end_id, handles, 1)
    assert answer.get_json()["response"] == {"out": {"children": "done after 1 steps"}}
