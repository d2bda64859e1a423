"""Dash background callbacks on Lambda: `background=True` callbacks run in a worker function.

Dash's own managers do not fit Lambda: DiskcacheManager starts a local process, which Lambda freezes
as soon as the response is sent (and the next poll may reach another container); CeleryManager needs
a broker and a long-running worker. `LambdaManager` keeps Dash's interface and changes where things
happen:

- starting a job (`call_job_fn`) writes a job item to DynamoDB and invokes the worker function
  asynchronously (`InvocationType=Event`), with the callback's arguments and context as the event;
- the worker (`serverless_dash.worker.lambda_handler`, the same code) runs the callback and writes
  its progress, its `set_props` updates and its result to the table;
- any web container answers the browser's polling requests from the table;
- cancel marks the job: the worker stops at its next progress call (a Lambda cannot be killed);
- a job that outlives the worker's timeout (or whose event was dropped) is reported as failed.

The table has a partition key `pk` and a sort key `sk`: a callback's items share the cache key Dash
computes (`result`, `progress`, `props`), a job's item is `job#<id>` / `job`. Every item but the
signing secret's carries `expires` (epoch seconds, the table's TTL attribute); DynamoDB deletes
expired items late and local servers never do, so every read ignores them.

`install(app)` puts the manager on the user's app after the platform imported it: the user writes
ordinary Dash (`@callback(..., background=True)`) and nothing Lambda-specific.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import os
import threading
import time
import traceback
import uuid
import zlib
from collections.abc import Callable, Mapping
from contextvars import copy_context
from decimal import Decimal
from typing import Any, Protocol

from _plotly_utils.utils import PlotlyJSONEncoder
from dash._callback_context import context_value
from dash._utils import AttributeDict
from dash.background_callback._proxy_set_props import ProxySetProps
from dash.background_callback.managers import BaseBackgroundCallbackManager
from dash.exceptions import PreventUpdate

log = logging.getLogger(__name__)

# A result is stored in one DynamoDB item (400 KB at most, attribute names included), compressed.
MAX_RESULT_BYTES = 350 * 1024
# Lambda's limit for an asynchronous invocation's event.
MAX_EVENT_BYTES = 256 * 1024
# A job's deadline is its worker's end plus this margin (clock skew, the last write).
DEADLINE_MARGIN = 5.0
# A queued job must start within the event's maximum age plus this (a worker's cold start): else its
# invocation was dropped (throttled past the age) and the page hears so in a minute, not in 15.
START_MARGIN = 15.0
# How long an unread result, progress or job item is kept (the table's TTL).
DEFAULT_EXPIRE = 3600

# The table's keys (template.yaml: DashJobsTable) and its TTL attribute.
KEY_SCHEMA = [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]
ATTRIBUTE_DEFINITIONS = [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}]
TTL_ATTRIBUTE = "expires"

QUEUED, RUNNING, DONE, CANCELLED, FAILED = "queued", "running", "done", "cancelled", "failed"
NO_UPDATE = {"_dash_no_update": "_dash_no_update"}


class JobCancelled(BaseException):
    """Raised inside a cancelled job at its next progress call. A BaseException, as
    asyncio.CancelledError is, so that a callback's own `except Exception` does not swallow it."""


class BackgroundConfigError(RuntimeError):
    """The environment does not say where the table or the worker is."""


def _dumps(value: Any) -> bytes:
    return json.dumps(value, cls=PlotlyJSONEncoder).encode("utf-8")


def _seconds(t: float) -> Decimal:
    """A time in the table: epoch seconds to the millisecond (DynamoDB numbers are decimals)."""
    return Decimal(f"{t:.3f}")


def _error(msg: str, tb: str = "") -> dict:
    """A job's failure in the shape Dash's own managers store it: Dash raises it in the polling
    request as a BackgroundCallbackError (or hands it to the callback's on_error)."""
    return {"background_callback_error": {"msg": msg, "tb": tb}}


# --- the store ---------------------------------------------------------------------------------


class Store(Protocol):
    def put(self, pk: str, sk: str, attrs: dict, *, only_if_absent: bool = False) -> bool: ...
    def get(self, pk: str, sk: str) -> dict | None: ...
    def take(self, pk: str, sk: str) -> dict | None: ...
    def delete(self, pk: str, sk: str) -> None: ...
    def transition(self, pk: str, sk: str, allowed: tuple[str, ...], attrs: dict) -> bool: ...


def _alive(item: dict | None, now: float | None = None) -> dict | None:
    """The item, unless it has expired (DynamoDB deletes expired items up to days late)."""
    if item is None:
        return None
    expires = item.get("expires")
    if expires is not None and float(expires) <= (now or time.time()):
        return None
    return item


class DynamoStore:
    """The job table in DynamoDB (or any server that speaks its API: moto's server mode locally).
    Every read is strongly consistent: the polls of one job reach any container."""

    def __init__(self, table: str, client: Any = None) -> None:
        self.table = table
        self._client = client
        self._types: tuple[Any, Any, type] | None = None

    @property
    def client(self) -> Any:
        # boto3 is imported and the client made at the first job or poll, not at a cold start
        # (importing boto3 alone is ~0.15 s of a first page that needs none of it).
        if self._client is None:
            import boto3

            self._client = boto3.client("dynamodb")
        return self._client

    @property
    def _ser(self) -> Any:
        return self._typing()[0]

    @property
    def _de(self) -> Any:
        return self._typing()[1]

    def _typing(self) -> tuple[Any, Any, type]:
        if self._types is None:
            from boto3.dynamodb.types import Binary, TypeDeserializer, TypeSerializer

            self._types = (TypeSerializer(), TypeDeserializer(), Binary)
        return self._types

    def _key(self, pk: str, sk: str) -> dict:
        return {"pk": {"S": pk}, "sk": {"S": sk}}

    def _item(self, raw: dict | None) -> dict | None:
        if not raw:
            return None
        item = {k: self._de.deserialize(v) for k, v in raw.items()}
        for k, v in item.items():
            if isinstance(v, self._typing()[2]):
                item[k] = bytes(v)
        return _alive(item)

    def put(self, pk: str, sk: str, attrs: dict, *, only_if_absent: bool = False) -> bool:
        item = {**self._key(pk, sk), **{k: self._ser.serialize(v) for k, v in attrs.items()}}
        kwargs: dict[str, Any] = {"TableName": self.table, "Item": item}
        if only_if_absent:
            kwargs["ConditionExpression"] = "attribute_not_exists(pk)"
        try:
            self.client.put_item(**kwargs)
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def get(self, pk: str, sk: str) -> dict | None:
        raw = self.client.get_item(TableName=self.table, Key=self._key(pk, sk), ConsistentRead=True)
        return self._item(raw.get("Item"))

    def take(self, pk: str, sk: str) -> dict | None:
        """Read and delete in one request: a progress report is delivered once."""
        raw = self.client.delete_item(TableName=self.table, Key=self._key(pk, sk), ReturnValues="ALL_OLD")
        return self._item(raw.get("Attributes"))

    def delete(self, pk: str, sk: str) -> None:
        self.client.delete_item(TableName=self.table, Key=self._key(pk, sk))

    def transition(self, pk: str, sk: str, allowed: tuple[str, ...], attrs: dict) -> bool:
        """Set attrs if the item exists, has not expired and its status is one of allowed."""
        names = {f"#a{i}": k for i, k in enumerate(attrs)}
        values = {f":a{i}": self._ser.serialize(v) for i, v in enumerate(attrs.values())}
        values.update({f":s{i}": {"S": s} for i, s in enumerate(allowed)})
        values[":now"] = {"N": str(int(time.time()))}
        names["#status"] = "status"
        names["#expires"] = "expires"
        try:
            self.client.update_item(
                TableName=self.table,
                Key=self._key(pk, sk),
                UpdateExpression="SET " + ", ".join(f"#a{i} = :a{i}" for i in range(len(attrs))),
                ConditionExpression=(
                    f"#status IN ({', '.join(f':s{i}' for i in range(len(allowed)))}) AND #expires > :now"
                ),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def create_table(self) -> None:
        """Create the table as template.yaml does (local servers and tests)."""
        with contextlib.suppress(self.client.exceptions.ResourceInUseException):  # it exists already
            self.client.create_table(
                TableName=self.table,
                AttributeDefinitions=ATTRIBUTE_DEFINITIONS,
                KeySchema=KEY_SCHEMA,
                BillingMode="PAY_PER_REQUEST",
            )


class MemoryStore:
    """The same interface in this process's memory: `make dev` only (one process, no AWS)."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], dict] = {}
        self.lock = threading.Lock()

    def put(self, pk: str, sk: str, attrs: dict, *, only_if_absent: bool = False) -> bool:
        with self.lock:
            if only_if_absent and (pk, sk) in self.items:
                return False
            self.items[pk, sk] = dict(attrs)
            return True

    def get(self, pk: str, sk: str) -> dict | None:
        with self.lock:
            return _alive(self.items.get((pk, sk)))

    def take(self, pk: str, sk: str) -> dict | None:
        with self.lock:
            return _alive(self.items.pop((pk, sk), None))

    def delete(self, pk: str, sk: str) -> None:
        with self.lock:
            self.items.pop((pk, sk), None)

    def transition(self, pk: str, sk: str, allowed: tuple[str, ...], attrs: dict) -> bool:
        with self.lock:
            item = _alive(self.items.get((pk, sk)))
            if item is None or item.get("status") not in allowed:
                return False
            item.update(attrs)
            return True


# --- starting a job: invokers ------------------------------------------------------------------


class LambdaInvoker:
    """Starts a job on Lambda: an asynchronous invocation of the worker function."""

    def __init__(self, function_name: str, client: Any = None) -> None:
        self.function_name = function_name
        self.client = client

    def __call__(self, manager: LambdaManager, payload: bytes) -> None:
        if self.client is None:  # made at the first job, not at every cold start
            import boto3

            self.client = boto3.client("lambda")
        answer = self.client.invoke(FunctionName=self.function_name, InvocationType="Event", Payload=payload)
        if answer.get("StatusCode") != 202:  # pragma: no cover - Lambda answers 202 or raises
            raise RuntimeError(f"the worker {self.function_name} was not invoked: {answer.get('StatusCode')}")


class ThreadInvoker:
    """Starts a job in a thread of this process (make dev, make serve, the tests), with the event
    as the worker would receive it: through JSON."""

    def __init__(self) -> None:
        self.threads: list[threading.Thread] = []

    def __call__(self, manager: LambdaManager, payload: bytes) -> None:
        event = json.loads(payload)
        deadline = time.time() + manager.worker_timeout
        thread = threading.Thread(target=run_job, args=(manager, event, deadline), daemon=True)
        self.threads.append(thread)
        thread.start()


def _no_invoker(manager: LambdaManager, payload: bytes) -> None:
    raise BackgroundConfigError("a background job cannot start another one (the worker has no DASH_JOBS_WORKER)")


# --- the manager --------------------------------------------------------------------------------


class _JobFn:
    """What `make_job_fn` registers: the user's callback and whether it reports progress, under
    the key Dash gave it (the same in every container: a hash of the callback's source and id)."""

    def __init__(self, fn: Callable, progress: bool, key: str) -> None:
        self.fn, self.progress, self.key = fn, progress, key


class LambdaManager(BaseBackgroundCallbackManager):
    """Dash's background-callback manager for Lambda: jobs run in a worker function, their state
    lives in a DynamoDB table, any container answers the polls."""

    def __init__(
        self,
        store: Store,
        invoker: Callable[[LambdaManager, bytes], None],
        *,
        cache_by: list[Callable[[], Any]] | None = None,
        expire: int | None = None,
        worker_timeout: float = 900,
        max_event_age: float = 60,
    ) -> None:
        self.store = store
        self.invoker = invoker
        # On AWS, the stack's secret (DASH_JOBS_SECRET, resolved by CloudFormation at deploy): what
        # get_or_create_signing_secret answers Dash with, no table read (install sets it).
        self.stack_secret: bytes | None = None
        self.expire = expire
        self.worker_timeout = float(worker_timeout)
        self.max_event_age = float(max_event_age)
        super().__init__(cache_by)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None, **kwargs: Any) -> LambdaManager:
        """The manager template.yaml configures: DASH_JOBS_TABLE, DASH_JOBS_WORKER (the worker
        function), DASH_JOBS_WORKER_TIMEOUT, DASH_JOBS_MAX_EVENT_AGE. Locally DASH_JOBS_WORKER=thread
        runs jobs in this process and DASH_JOBS_TABLE=memory keeps them in memory (make dev)."""
        env = os.environ if environ is None else environ
        table, worker = env.get("DASH_JOBS_TABLE"), env.get("DASH_JOBS_WORKER")
        if not table:
            raise BackgroundConfigError(
                "background callbacks need DASH_JOBS_TABLE and DASH_JOBS_WORKER "
                "(template.yaml sets them; make serve and make dev set local ones)"
            )
        store: Store = MemoryStore() if table == "memory" else DynamoStore(table)
        if not worker:  # the worker function itself: it runs jobs, it starts none
            invoker: Callable[[LambdaManager, bytes], None] = _no_invoker
        elif worker == "thread":
            invoker = ThreadInvoker()
        else:
            invoker = LambdaInvoker(worker)
        return cls(
            store,
            invoker,
            worker_timeout=float(env.get("DASH_JOBS_WORKER_TIMEOUT", 900)),
            max_event_age=float(env.get("DASH_JOBS_MAX_EVENT_AGE", 60)),
            **kwargs,
        )

    def like(self, cache_by: list | None, expire: int | None) -> LambdaManager:
        """The same table, worker and secret, with another manager's cache_by and expire."""
        other = LambdaManager(
            self.store,
            self.invoker,
            cache_by=cache_by,
            expire=expire,
            worker_timeout=self.worker_timeout,
            max_event_age=self.max_event_age,
        )
        other.stack_secret = self.stack_secret
        return other

    # time to keep an item nobody reads
    def _expires(self, after: float = 0) -> int:
        return int(time.time() + after + (self.expire or DEFAULT_EXPIRE))

    # -- Dash's interface --

    def make_job_fn(self, fn, progress, key=None):
        return _JobFn(fn, progress, key)

    def call_job_fn(self, key, job_fn, args, context):
        job = uuid.uuid4().hex
        if self.cache_by is not None and self.store.get(key, "result") is not None:
            # A cached result: nothing to run. Dash reads it at the first poll.
            self.store.put(f"job#{job}", "job", {"status": DONE, "key": key, "deadline": 0, "expires": self._expires()})
            return job
        event = _dumps({"job": job, "key": key, "fn": job_fn.key, "args": args, "context": context})
        if len(event) > MAX_EVENT_BYTES:
            raise ValueError(
                f"a background callback's arguments are {len(event)} bytes, over the {MAX_EVENT_BYTES} "
                "bytes of a Lambda event: pass an id and load the data in the callback instead"
            )
        deadline = time.time() + self.max_event_age + START_MARGIN
        self.store.put(
            f"job#{job}",
            "job",
            {"status": QUEUED, "key": key, "deadline": _seconds(deadline), "expires": self._expires(deadline)},
        )
        self.invoker(self, event)
        return job

    def job_running(self, job):
        """Queued or running and within its deadline; or done with its result still unread. Dash
        reads the result first, then asks this: a job that finished between the two reads must
        count as running, or Dash would end the polling one request before the result."""
        item = self.store.get(f"job#{job}", "job") if job else None
        if item is None:
            return False
        if item["status"] == DONE:
            return bool(item.get("key")) and self.store.get(item["key"], "result") is not None
        return item["status"] in (QUEUED, RUNNING) and time.time() <= float(item["deadline"])

    def terminate_job(self, job):
        """Cancel: the worker sees it at its next progress call (and never writes a result)."""
        if job:
            self.store.transition(f"job#{job}", "job", (QUEUED, RUNNING), {"status": CANCELLED})

    def terminate_unhealthy_job(self, job):
        item = self.store.get(f"job#{job}", "job") if job else None
        if item and item["status"] in (QUEUED, RUNNING) and time.time() > float(item["deadline"]):
            self.store.transition(f"job#{job}", "job", (QUEUED, RUNNING), {"status": FAILED})
            return True
        return False

    # Dash passes key None for a handle it refused (forged, or another page load's): nothing is read.

    def get_progress(self, key):
        item = self.store.take(key, "progress") if key else None
        return json.loads(zlib.decompress(item["data"])) if item else None

    def result_ready(self, key):
        return bool(key) and self.store.get(key, "result") is not None

    def get_result(self, key, job):
        if not key:
            return self.UNDEFINED
        item = self.store.get(key, "result")
        if item is None and job:
            state = self.store.get(f"job#{job}", "job")
            if state is None:
                return self.UNDEFINED
            if state["status"] == DONE:
                # Written just before the job was marked done, after the read above.
                item = self.store.get(key, "result")
            elif state["status"] in (QUEUED, RUNNING) and time.time() > float(state["deadline"]):
                self.store.transition(f"job#{job}", "job", (QUEUED, RUNNING), {"status": FAILED})
                return self._timed_out()
            elif state["status"] == FAILED:
                return self._timed_out()
        if item is None:
            return self.UNDEFINED
        result = json.loads(zlib.decompress(item["data"]))
        if self.cache_by is None:
            self.store.delete(key, "result")
        elif self.expire:
            self.store.put(key, "result", {**item, "expires": self._expires()})
        self.store.delete(key, "progress")
        return result

    def _timed_out(self) -> dict:
        return _error(
            f"the background job did not finish within the worker function's timeout "
            f"({self.worker_timeout:g} s), or its invocation was dropped: see the worker's log"
        )

    def get_updated_props(self, key):
        item = self.store.take(key, "props") if key else None
        return json.loads(zlib.decompress(item["data"])) if item else {}

    def clear_cache_entry(self, key):
        for sk in ("result", "progress", "props") if key else ():
            self.store.delete(key, sk)

    def get_or_create_signing_secret(self, generate):
        """On Lambda, the stack's Secrets Manager secret (stack_secret): Dash asks once per container
        and keeps the answer. Elsewhere the shared secret in the table, first writer wins (no TTL: it
        must outlive every page): `make serve` and the tests, whose processes share the local table."""
        if self.stack_secret:
            return self.stack_secret
        self.store.put("signing-secret", "secret", {"data": bytes(generate())}, only_if_absent=True)
        item = self.store.get("signing-secret", "secret")
        return item["data"] if item else None

    # -- the worker's side --

    def write(self, key: str, sk: str, value: Any) -> int:
        data = zlib.compress(_dumps(value), 6)
        self.store.put(key, sk, {"data": data, "expires": self._expires()})
        return len(data)


# --- running a job (the worker) ----------------------------------------------------------------


def run_job(manager: LambdaManager, event: dict, deadline: float) -> str:
    """Run one job as the worker function does: the recorded callback with its recorded arguments
    and context; its progress, set_props and result into the table. Returns the job's last status.
    A failure of the store itself is logged and recorded as the job's error, where it still can be."""
    try:
        return _run_job(manager, event, deadline)
    except Exception as err:
        log.exception("background job %s failed outside its callback", event.get("job"))
        try:
            manager.write(event["key"], "result", _error(f"the background job failed: {err}", traceback.format_exc()))
            manager.store.transition(f"job#{event['job']}", "job", (QUEUED, RUNNING), {"status": DONE})
        except Exception:
            log.exception("background job %s: its failure could not be recorded either", event.get("job"))
        return FAILED


def _run_job(manager: LambdaManager, event: dict, deadline: float) -> str:
    job, key = event["job"], event["key"]
    job_key = f"job#{job}"
    started = manager.store.transition(
        job_key, "job", (QUEUED,), {"status": RUNNING, "deadline": _seconds(deadline + DEADLINE_MARGIN)}
    )
    if not started:
        log.info("background job %s not started: cancelled, expired or unknown", job)
        return CANCELLED
    job_fn = manager.func_registry.get(event["fn"])
    if job_fn is None:
        manager.write(key, "result", _error(f"no background callback {event['fn']} in this app"))
        manager.store.transition(job_key, "job", (RUNNING,), {"status": DONE})
        return FAILED

    def cancelled() -> bool:
        state = manager.store.get(job_key, "job")
        return state is None or state["status"] == CANCELLED

    def set_progress(value: Any) -> None:
        if cancelled():
            raise JobCancelled(job)
        manager.write(key, "progress", list(value) if isinstance(value, (list, tuple)) else [value])

    def set_props(component_id: str, props: dict) -> None:
        manager.write(key, "props", {component_id: props})

    args = event["args"]
    maybe_progress = [set_progress] if job_fn.progress else []

    def call() -> Any:
        c = AttributeDict(**event["context"])
        c.ignore_register_page = False
        c.updated_props = ProxySetProps(set_props)
        context_value.set(c)
        if isinstance(args, dict):
            out = job_fn.fn(*maybe_progress, **args)
        elif isinstance(args, (list, tuple)):
            out = job_fn.fn(*maybe_progress, *args)
        else:
            out = job_fn.fn(*maybe_progress, args)
        if inspect.isawaitable(out):
            out = asyncio.run(_await(out))
        return out

    try:
        result = copy_context().run(call)
    except JobCancelled:
        log.info("background job %s cancelled", job)
        return CANCELLED
    except PreventUpdate:
        result = NO_UPDATE
    except Exception as err:
        log.exception("background job %s raised", job)
        result = _error(str(err), traceback.format_exc())
    from botocore.exceptions import ClientError  # the worker's, imported with the store

    try:
        size = manager.write(key, "result", result)
    except ClientError as err:
        if err.response["Error"]["Code"] != "ValidationException":
            raise
        size = len(zlib.compress(_dumps(result), 6))
    if size > MAX_RESULT_BYTES:
        manager.write(
            key,
            "result",
            _error(
                f"the background callback's result is {size} bytes compressed, over the "
                f"{MAX_RESULT_BYTES} bytes a job's result may have (DynamoDB's 400 KB item limit): "
                "return less (aggregate, or a page of the data), or store it in S3 and return a link"
            ),
        )
    manager.store.transition(job_key, "job", (RUNNING, CANCELLED), {"status": DONE})
    return DONE


async def _await(awaitable: Any) -> Any:
    return await awaitable


# --- installing on the user's app ----------------------------------------------------------------


def _diskcache_manager_class() -> type | None:
    try:
        from dash.background_callback.managers.diskcache_manager import DiskcacheManager
    except ImportError:  # pragma: no cover - it imports without diskcache installed
        return None
    return DiskcacheManager


def _signing_secret(manager: LambdaManager, environ: Mapping[str, str]) -> bytes:
    """The secret every container signs job handles with. On AWS, the stack's Secrets Manager secret
    as CloudFormation resolves it into DASH_JOBS_SECRET at deploy (a dynamic reference: never in the
    template; no call, no boto3 at a cold start). Locally, the one in the shared job table, read at
    the first request. A failure stops the request instead of Dash's silent fallback to a
    per-process secret, which no other container could verify."""
    secret = environ.get("DASH_JOBS_SECRET")
    if secret:
        return secret.encode("utf-8")
    import secrets

    stored = manager.get_or_create_signing_secret(lambda: secrets.token_urlsafe(48).encode("ascii"))
    if not stored:  # pragma: no cover - the put above either wrote it or found it
        raise BackgroundConfigError("no signing secret in the job table")
    return stored


def install(app: Any, manager: LambdaManager | None = None, environ: Mapping[str, str] | None = None) -> LambdaManager:
    """Put the Lambda manager on a Dash app the platform has imported, before its first request.

    - The app's own manager: none -> this one. A DiskcacheManager (what Dash's docs show) -> this
      one, with its cache_by and expire, and a log line: on Lambda its process would be frozen with
      the response and its disk is the container's, so it cannot work; replacing it lets the same
      app run locally with Dash's debug server and here. Any other manager (Celery, your own) is
      the user's choice and stays.
    - The same per callback (`@callback(..., manager=DiskcacheManager(...))`).
    - What Dash signs job handles with: on AWS the stack's secret (DASH_JOBS_SECRET), which the
      manager gives Dash when it asks (no table read, no Flask session); locally the job table's,
      as the server's secret_key before the first request's view (a failure stops that request
      instead of Dash's silent per-process fallback); unless the app set its own secret_key. Not in
      the worker function (no DASH_JOBS_WORKER): it signs nothing.
    """
    env = os.environ if environ is None else environ
    manager = manager or LambdaManager.from_environment(env)
    diskcache = _diskcache_manager_class()
    replaced: dict[int, LambdaManager] = {}

    def swap(current: Any) -> Any:
        if current is None or isinstance(current, LambdaManager):
            return current
        if diskcache is not None and isinstance(current, diskcache):
            if id(current) not in replaced:
                replaced[id(current)] = manager.like(current.cache_by, current.expire)
                log.warning(
                    "background callbacks: the app's DiskcacheManager is replaced by the Lambda "
                    "manager (jobs in the worker function, state in DynamoDB), keeping its cache_by "
                    "and expire; a local process cannot outlive a Lambda response"
                )
            return replaced[id(current)]
        return current

    own = app._background_manager
    app._background_manager = manager if own is None else swap(own)

    from dash import _callback

    for callbacks in (app.callback_map, _callback.GLOBAL_CALLBACK_MAP):
        for spec in callbacks.values():
            background = spec.get("background")
            if spec.get("manager") is not None:
                spec["manager"] = swap(spec["manager"])
            if background and background.get("manager") is not None:
                background["manager"] = swap(background["manager"])

    server = app.server
    if server.secret_key or not env.get("DASH_JOBS_WORKER"):  # the app's own; the worker signs nothing
        return manager
    if env.get("DASH_JOBS_SECRET"):
        # Dash signs with the server's secret_key if it has one, else asks the manager once. Not as
        # the secret_key: Flask would then open and save a signed-cookie session on every request
        # (0.027 ms of a 0.25 ms layout), which nothing here uses.
        manager.stack_secret = _signing_secret(manager, env)
        for replacement in replaced.values():
            replacement.stack_secret = manager.stack_secret
    else:
        lock = threading.Lock()

        def sign_with_the_shared_secret() -> None:
            # Before the first request's view (Dash signs in views only): one read of the table
            # per process. A failure answers 500 and is tried again by the next request.
            if not server.secret_key:
                with lock:
                    if not server.secret_key:
                        server.secret_key = _signing_secret(manager, env)

        server.before_request(sign_with_the_shared_secret)
    return manager


def installed_manager(app: Any) -> LambdaManager:
    manager = app._background_manager
    if not isinstance(manager, LambdaManager):
        raise BackgroundConfigError("the app has no Lambda background manager: call install(app) first")
    return manager
