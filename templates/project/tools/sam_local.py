"""`make sam-local`: SAM CLI's own `sam local start-api` emulation of API Gateway, without Docker.

    python -m tools.sam_local [--port 3000] [--host 127.0.0.1] [--template template.yaml] [--env-vars env.json]

`sam build && sam local start-api` runs every request in a Lambda container (Docker). This runs the
same parts of the pinned aws-sam-cli, reading template.yaml: the route provider (which routes, which
binary media types) and the Flask service that turns a browser's request into the event, and the
function's answer into the response, exactly as `sam local start-api` does. Only the container is
replaced: the handler is imported once and called in this process, with the environment variables SAM
resolves for the function (AWS_SAM_LOCAL=true among them: the platform serves the app at /, as under
`sam local start-api`). So what works here works under `sam local start-api`, and
what that does not model (the stage prefix, custom domains, wildcard binary media types) is not
modelled here either: `make serve` models API Gateway itself. --env-vars takes the JSON file
`sam local start-api --env-vars` does ({"DashFunction": {"NAME": "value"}}, or {"Parameters": {...}}
for every function), e.g. to point sign-in at a provider you run locally.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from werkzeug.serving import make_server

from tools.serve import serve_until_interrupted
from tools.stack_config import TEMPLATE

if TYPE_CHECKING:
    from samcli.local.apigw.local_apigw_service import LocalApigwService


class InProcessRuntime:
    """Stands in for samcli.local.lambdafn.runtime.LambdaRuntime, which runs the function in a
    Docker container: invoke() calls the function's handler in this process instead, one request at
    a time (like one Lambda container), with the function's environment set for the call."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.invocations = 0

    def invoke(self, function_config: Any, event: str, tenant_id: str | None = None, **streams: Any) -> None:
        with self._lock, _environment(function_config.env_vars.resolve()):
            handler = _handler(function_config.code_abs_path, function_config.handler)
            context = SimpleNamespace(
                aws_request_id=str(uuid.uuid4()),
                function_name=function_config.name,
                memory_limit_in_mb=function_config.memory,
            )
            result = handler(json.loads(event), context)
            self.invocations += 1
        # What the container's runtime writes back: the function's answer as JSON.
        streams["stdout"].write_str(json.dumps(result))
        return None


@contextmanager
def _environment(variables: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _handler(code_dir: str, handler: str) -> Any:
    """The function `handler` ("module.function") names, imported from the function's CodeUri."""
    module_name, _, function_name = handler.rpartition(".")
    if code_dir not in sys.path:
        sys.path.insert(0, code_dir)
    module = importlib.import_module(module_name)
    if not Path(module.__file__ or "").resolve().is_relative_to(Path(code_dir).resolve()):
        raise RuntimeError(f"{module_name} was imported from {module.__file__}, not from {code_dir}")
    return getattr(module, function_name)


def local_api(
    template: Path = TEMPLATE,
    port: int = 3000,
    host: str = "127.0.0.1",
    env_vars: dict[str, dict[str, str]] | None = None,
) -> LocalApigwService:
    """The Flask service behind `sam local start-api` for `template`, created (not started), with the
    in-process runtime instead of Docker (`service.lambda_runner.local_runtime`); `env_vars` as in
    `sam local start-api --env-vars`."""
    # SAM CLI's local modules take seconds to import: only here, where they are used.
    from samcli.commands.local.lib.local_lambda import LocalLambdaRunner
    from samcli.lib.providers.api_provider import ApiProvider
    from samcli.lib.providers.sam_function_provider import SamFunctionProvider
    from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider
    from samcli.local.apigw.local_apigw_service import LocalApigwService

    cwd = str(template.resolve().parent)
    stacks, _ = SamLocalStackProvider.get_stacks(str(template))
    jobs = importlib.util.find_spec("tools.local_aws")
    if jobs is not None:  # background callbacks: the table at moto's server, jobs in threads
        env_vars = importlib.import_module("tools.local_aws").sam_env_vars(env_vars)
    runner = LocalLambdaRunner(
        local_runtime=InProcessRuntime(),  # type: ignore[arg-type]
        function_provider=SamFunctionProvider(stacks),
        cwd=cwd,
        real_path=cwd,
        env_vars_values=env_vars,
    )
    for function in runner.provider.get_all():
        # Imported here, in the main thread, as Lambda's runtime imports it: the app is built at
        # import, and Dash Pages' register_page needs the main thread's context (a request thread
        # of the Flask service has none).
        function_config = runner.get_invoke_config(function)
        with _environment(function_config.env_vars.resolve()):
            _handler(function_config.code_abs_path, function_config.handler)
    service = LocalApigwService(api=ApiProvider(stacks, cwd=cwd).api, lambda_runner=runner, port=port, host=host)
    service.create()
    return service


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.sam_local", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=3000, help="port (default 3000; 0 picks a free one)")
    parser.add_argument("--template", type=Path, default=TEMPLATE, help="the SAM template (default template.yaml)")
    parser.add_argument(
        "--env-vars", type=Path, help="JSON file of environment variable overrides, as sam local start-api takes"
    )
    args = parser.parse_args(argv)

    env_vars = json.loads(args.env_vars.read_text(encoding="utf-8")) if args.env_vars else None
    service = local_api(args.template, args.port, args.host, env_vars)
    server = make_server(args.host, args.port, service._app, threaded=True)
    service.port = server.port  # what SAM writes into X-Forwarded-Port
    title = "Serving the Lambda handler through SAM CLI's local API Gateway (sam local start-api) at"
    serve_until_interrupted(server, [title, f"  http://{args.host}:{server.port}/"])


if __name__ == "__main__":
    main()
