"""Eyes on it (README.md, "Alarms and the dashboard"): JSON logs that expire, alarms that tell the
topic, the dashboard of the dashboard; and the app's secret, readable by name and by nothing else."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tools.stack_config import load_template
from tools.stack_values import Stack


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


def of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def test_the_function_logs_json_into_a_log_group_that_expires(template: dict[str, Any]) -> None:
    logging_config = template["Resources"]["DashFunction"]["Properties"]["LoggingConfig"]
    groups = of_type(template, "AWS::Logs::LogGroup")

    assert logging_config["LogFormat"] == "JSON"
    assert logging_config["LogGroup"] == {"Ref": "DashFunctionLogGroup"}
    assert "DashFunctionLogGroup" in groups
    for name, group in groups.items():
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionInDays"}, name


def alarms(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: r["Properties"] for name, r in of_type(template, "AWS::CloudWatch::Alarm").items()}


def test_alarms_on_api_5xx_errors_throttles_and_duration(template: dict[str, Any]) -> None:
    metrics = {(a["Namespace"], a["MetricName"]) for a in alarms(template).values()}
    api_5xx = "5XXError" if "AWS::Serverless::Api" in {r["Type"] for r in template["Resources"].values()} else "5xx"

    assert metrics == {
        ("AWS/ApiGateway", api_5xx),
        ("AWS/Lambda", "Errors"),
        ("AWS/Lambda", "Throttles"),
        ("AWS/Lambda", "Duration"),
    }


def test_every_alarm_tells_the_topic(template: dict[str, Any]) -> None:
    for name, alarm in alarms(template).items():
        assert alarm["AlarmActions"] == [{"Ref": "DashAlarmTopic"}], name
        assert alarm["TreatMissingData"] == "notBreaching", name
    assert of_type(template, "AWS::SNS::Topic").keys() == {"DashAlarmTopic"}


def test_the_duration_alarm_fires_before_the_timeout(template: dict[str, Any]) -> None:
    timeout_ms = template["Resources"]["DashFunction"]["Properties"]["Timeout"] * 1000
    (duration,) = [a for a in alarms(template).values() if a["MetricName"] == "Duration"]

    assert duration["Statistic"] == "Maximum"
    assert 0.5 * timeout_ms <= duration["Threshold"] < timeout_ms


def test_the_api_alarm_watches_this_api_and_stage(template: dict[str, Any]) -> None:
    """REST APIs report per API name (SAM names the API after the stack), HTTP APIs per API id."""
    (api_alarm,) = [a for a in alarms(template).values() if a["Namespace"] == "AWS/ApiGateway"]
    api = next(
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"].startswith("AWS::Serverless::") and "Api" in r["Type"]
    )
    dimensions = {d["Name"]: d["Value"] for d in api_alarm["Dimensions"]}

    assert dimensions["Stage"] == api.get("StageName", "$default")
    assert dimensions.get("ApiName") == {"Ref": "AWS::StackName"} or dimensions.get("ApiId") == {"Ref": "DashApi"}


@pytest.mark.parametrize(("email", "subscribed"), [("", False), ("ops@example.com", True)])
def test_the_email_subscription_exists_only_with_an_address(
    template: dict[str, Any], email: str, subscribed: bool
) -> None:
    stack = Stack(template, {"AlarmEmail": email})
    subscription = stack.resolve(template["Resources"]["DashAlarmEmail"]["Properties"])

    assert stack.exists("DashAlarmEmail") is subscribed
    assert subscription == {"TopicArn": "${DashAlarmTopic}", "Protocol": "email", "Endpoint": email}


def dashboard_body(template: dict[str, Any], **given: str) -> dict[str, Any]:
    stack = Stack(template, given)
    return json.loads(stack.resolve(template["Resources"]["DashOpsDashboard"]["Properties"]["DashboardBody"]))


def test_the_dashboard_shows_the_function_and_the_api(template: dict[str, Any]) -> None:
    widgets = dashboard_body(template)["widgets"]
    shown: set[tuple[str, str]] = set()
    for widget in widgets:
        last: list[Any] = []
        for line in widget["properties"]["metrics"]:
            # CloudWatch's shorthand: "..." repeats the line above, "." the value above.
            line = last[: len(last) - 1] + line[1:] if line[0] == "..." else line
            line = [last[i] if v == "." else v for i, v in enumerate(line)]
            last = line
            stat = next((x["stat"] for x in line if isinstance(x, dict)), widget["properties"].get("stat"))
            shown.add((line[1], stat))

    api_4xx, api_5xx = ("4XXError", "5XXError") if "ApiName" in json.dumps(widgets) else ("4xx", "5xx")
    assert {
        ("Invocations", "Sum"), ("Errors", "Sum"), ("Throttles", "Sum"), ("Duration", "p50"), ("Duration", "p99"),
        ("ConcurrentExecutions", "Maximum"), (api_4xx, "Sum"), (api_5xx, "Sum"), ("Latency", "p50"), ("Latency", "p99"),
    } <= shown  # fmt: skip


def test_the_dashboard_and_its_url_go_with_dashboard_off(template: dict[str, Any]) -> None:
    assert Stack(template).exists("DashOpsDashboard")
    assert not Stack(template, {"Dashboard": "off"}).exists("DashOpsDashboard")
    assert template["Outputs"]["CloudWatchDashboardUrl"]["Condition"] == "HasDashboard"
    url = Stack(template).resolve(template["Outputs"]["CloudWatchDashboardUrl"]["Value"])
    assert re.fullmatch(
        r"https://us-east-1\.console\.aws\.amazon\.com/cloudwatch/home\?region=us-east-1#dashboards:name=\$\{DashOpsDashboard\}",
        url,
    )


def secret_statement(template: dict[str, Any], **given: str) -> dict[str, Any] | None:
    stack = Stack(template, given)
    if not stack.exists("DashSecretReadPolicy"):
        return None
    policy = stack.resolve(template["Resources"]["DashSecretReadPolicy"]["Properties"])
    assert policy["RoleName"] == "${DashFunctionRole}"
    (statement,) = policy["PolicyDocument"]["Statement"]
    return statement


def test_no_secret_named_no_permission(template: dict[str, Any]) -> None:
    assert secret_statement(template) is None


def test_an_ssm_parameter_is_readable_by_exactly_its_name(template: dict[str, Any]) -> None:
    statement = secret_statement(template, SecretName="/sales-dash/db-password")

    assert statement == {
        "Effect": "Allow",
        "Action": "ssm:GetParameter",
        "Resource": "arn:aws:ssm:us-east-1:123456789012:parameter/sales-dash/db-password",
    }


def test_a_secrets_manager_secret_is_readable_by_exactly_its_name(template: dict[str, Any]) -> None:
    statement = secret_statement(template, SecretName="sales-dash/api-key", SecretStore="secretsmanager")

    assert statement == {
        "Effect": "Allow",
        "Action": "secretsmanager:GetSecretValue",
        # Secrets Manager appends "-" and six random characters to a secret's name in its ARN.
        "Resource": "arn:aws:secretsmanager:us-east-1:123456789012:secret:sales-dash/api-key-??????",
    }


def test_the_function_is_told_the_secret_by_name(template: dict[str, Any]) -> None:
    variables = Stack(template, {"SecretName": "/x/y"}).resolve(
        template["Resources"]["DashFunction"]["Properties"]["Environment"]["Variables"]
    )

    assert (variables["DASH_SECRET_NAME"], variables["DASH_SECRET_STORE"]) == ("/x/y", "ssm")
