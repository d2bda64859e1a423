"""The deploy pipeline (README.md, "Deploy from GitHub"): .github/workflows/deploy.yml builds once
and deploys dev, then prod, after the same commit's tests; pipeline/bootstrap.yaml's roles trust
exactly the jobs they should; and no policy anywhere grants every action."""

from __future__ import annotations

import copy
import functools
import re
from typing import Any

import pytest
import yaml

from tools.stack_config import PROJECT_DIR, load_template
from tools.stack_values import Stack
from tools.template_graph import transformed_template

WORKFLOWS = PROJECT_DIR / ".github" / "workflows"
BOOTSTRAP = PROJECT_DIR / "pipeline" / "bootstrap.yaml"
REPOSITORY = "octo-org/sales-dash"


@functools.cache
def bootstrap() -> dict[str, Any]:
    """pipeline/bootstrap.yaml, read once (callers never change it)."""
    return load_template(BOOTSTRAP)


def workflow(name: str) -> dict[str, Any]:
    # YAML 1.1 reads the key `on` as True; GitHub reads it as "on".
    loaded = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    loaded["on"] = loaded.pop(True, loaded.get("on"))
    return loaded


@pytest.fixture(scope="module")
def deploy() -> dict[str, Any]:
    return workflow("deploy.yml")


def needs(job: dict[str, Any]) -> set[str]:
    value = job.get("needs", [])
    return {value} if isinstance(value, str) else set(value)


def steps_using(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [s for s in job.get("steps", []) if str(s.get("uses", "")).split("@")[0] == action]


def runs(job: dict[str, Any]) -> str:
    return "\n".join(str(s.get("run", "")) for s in job.get("steps", []))


def test_the_job_graph(deploy: dict[str, Any]) -> None:
    jobs = deploy["jobs"]
    builds = [name for name, job in jobs.items() if "make build" in runs(job)]
    deploys = {name for name, job in jobs.items() if "sam deploy" in runs(job)}

    assert builds == ["build"], "exactly one job builds the artefact"
    assert steps_using(jobs["build"], "actions/upload-artifact")
    assert jobs["test"]["uses"] == "./.github/workflows/ci.yml", "the tests are ci.yml's, on this commit"
    assert deploys == {"dev", "prod"}
    assert needs(jobs["dev"]) == {"build", "test"}
    assert needs(jobs["prod"]) == {"dev"}
    for name in ("dev", "prod"):
        assert steps_using(jobs[name], "actions/download-artifact"), f"{name} deploys the build job's artefact"
        assert "sam build" not in runs(jobs[name]) and "make build" not in runs(jobs[name])


def test_triggers_push_to_main_and_by_hand_never_a_pull_request(deploy: dict[str, Any]) -> None:
    assert deploy["on"]["push"] == {"branches": ["main"]}
    assert "workflow_dispatch" in deploy["on"]
    assert "pull_request" not in deploy["on"] and "pull_request_target" not in deploy["on"]
    ci = workflow("ci.yml")["on"]
    assert "pull_request" in ci and "workflow_call" in ci, "pull requests run ci.yml; deploy.yml calls it"


def test_only_the_deploy_jobs_get_aws_credentials(deploy: dict[str, Any]) -> None:
    assert deploy["permissions"] == {"contents": "read"}
    for name, job in deploy["jobs"].items():
        credentials = steps_using(job, "aws-actions/configure-aws-credentials")
        if name in ("dev", "prod"):
            assert job["permissions"] == {"contents": "read", "id-token": "write"}
            assert len(credentials) == 1
            upper = name.upper()
            assert credentials[0]["with"]["role-to-assume"] == f"${{{{ vars.AWS_{upper}_DEPLOY_ROLE_ARN }}}}"
            assert job["if"].endswith(f"vars.AWS_{upper}_DEPLOY_ROLE_ARN != ''"), "skipped before the bootstrap"
            assert job["concurrency"] == {"group": f"deploy-{name}", "cancel-in-progress": False}
            assert f"'{name}'" in job["environment"], "trust mode environment: the job's GitHub environment"
            deploy_run = runs(job)
            for flag in (
                f"--config-env {name}",
                "--no-confirm-changeset",
                "--no-fail-on-empty-changeset",
                "--role-arn",
            ):
                assert flag in deploy_run
        else:
            assert not credentials and "id-token" not in job.get("permissions", {}), name
    text = (WORKFLOWS / "deploy.yml").read_text(encoding="utf-8")
    assert "secrets." not in text and "aws-access-key-id" not in text, "no stored keys"


def test_before_the_bootstrap_a_notice_says_what_to_run(deploy: dict[str, Any]) -> None:
    notices = [job for job in deploy["jobs"].values() if "::notice" in runs(job)]

    assert len(notices) == 1
    assert "== ''" in notices[0]["if"]
    assert "make bootstrap-ci REPO=" in runs(notices[0])


def test_every_action_is_pinned_to_a_major_version_at_least() -> None:
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for job in workflow(path.name)["jobs"].values():
            for step in job.get("steps", []):
                if "uses" in step:
                    assert re.fullmatch(r"[\w.-]+/[\w.-]+@(v\d+(\.\d+)*|[0-9a-f]{40})", step["uses"]), step["uses"]


# ---- pipeline/bootstrap.yaml ---------------------------------------------------------------------


def trust(repository: str, mode: str) -> dict[str, dict[str, Any]]:
    """Each deploy role's trust condition for `repository` in trust mode `mode`."""
    stack = Stack(bootstrap(), {"GitHubRepository": repository, "TrustMode": mode})
    roles = {}
    for name, resource in stack.template["Resources"].items():
        if name.endswith("DeployRole"):
            (statement,) = stack.resolve(resource["Properties"]["AssumeRolePolicyDocument"])["Statement"]
            assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
            assert statement["Principal"]["Federated"] == "${GitHubOidcProvider}"
            roles[name] = statement["Condition"]
    return roles


def test_trust_mode_environment_trusts_exactly_each_environment() -> None:
    assert trust(REPOSITORY, "environment") == {
        "DevDeployRole": {
            "StringEquals": {
                "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                "token.actions.githubusercontent.com:sub": "repo:octo-org/sales-dash:environment:dev",
            }
        },
        "ProdDeployRole": {
            "StringEquals": {
                "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                "token.actions.githubusercontent.com:sub": "repo:octo-org/sales-dash:environment:prod",
            }
        },
    }


def test_trust_mode_branch_trusts_the_main_branch() -> None:
    subjects = {
        name: c["StringEquals"]["token.actions.githubusercontent.com:sub"]
        for name, c in trust(REPOSITORY, "branch").items()
    }

    assert subjects == {
        "DevDeployRole": "repo:octo-org/sales-dash:ref:refs/heads/main",
        "ProdDeployRole": "repo:octo-org/sales-dash:ref:refs/heads/main",
    }


def test_immutable_subject_claims_are_trusted_as_given() -> None:
    """Repositories created after 18 June 2026 put the owner's and the repository's ids in `sub`."""
    conditions = trust("octo-org@123456/sales-dash@456789", "environment")

    assert conditions["ProdDeployRole"]["StringEquals"]["token.actions.githubusercontent.com:sub"] == (
        "repo:octo-org@123456/sales-dash@456789:environment:prod"
    )


@pytest.mark.parametrize("repository", ["octo-org/sales-dash", "octo-org@1/sales-dash@22", "a/b.c_d-e"])
def test_the_repository_parameter_accepts(repository: str) -> None:
    pattern = bootstrap()["Parameters"]["GitHubRepository"]["AllowedPattern"]
    assert re.fullmatch(pattern, repository)


@pytest.mark.parametrize("repository", ["octo-org/*", "octo-org/sales-dash:ref:*", "*", "octo-org", "octo org/x", ""])
def test_the_repository_parameter_refuses_wildcards_and_more_than_a_repository(repository: str) -> None:
    """A `*` or `:` would widen the trust beyond one repository's jobs (StringEquals compares exactly,
    but the parameter never lets one in)."""
    pattern = bootstrap()["Parameters"]["GitHubRepository"]["AllowedPattern"]
    assert not re.fullmatch(pattern, repository)


def test_an_existing_oidc_provider_is_reused() -> None:
    arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    stack = Stack(bootstrap(), {"GitHubRepository": REPOSITORY, "ExistingOidcProviderArn": arn})
    role = stack.resolve(stack.template["Resources"]["DevDeployRole"]["Properties"]["AssumeRolePolicyDocument"])

    assert not stack.exists("GitHubOidcProvider")
    assert role["Statement"][0]["Principal"]["Federated"] == arn


def test_the_artefact_bucket_is_encrypted_tls_only_versioned_and_expires() -> None:
    resources = bootstrap()["Resources"]
    bucket = resources["ArtifactBucket"]["Properties"]
    (deny,) = resources["ArtifactBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]

    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["LifecycleConfiguration"]["Rules"][0]["Status"] == "Enabled"
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_the_roles_deploy_the_stacks_samconfig_names() -> None:
    import tomllib

    samconfig = tomllib.loads((PROJECT_DIR / "samconfig.toml").read_text(encoding="utf-8"))
    parameters = bootstrap()["Parameters"]
    for env in ("dev", "prod"):
        assert parameters[f"{env.title()}StackName"]["Default"] == samconfig[env]["global"]["parameters"]["stack_name"]
        assert samconfig[env]["deploy"]["parameters"]["s3_prefix"] == env, "the roles may use only this prefix"


# ---- every policy ---------------------------------------------------------------------------------


def policy_statements(template: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(resource, statement) for every statement of every IAM policy document in a template."""
    found: list[tuple[str, dict[str, Any]]] = []

    def walk(owner: str, node: Any) -> None:
        if isinstance(node, dict):
            if "Statement" in node and "Version" in node:
                statements = node["Statement"]
                found.extend((owner, s) for s in (statements if isinstance(statements, list) else [statements]))
            for value in node.values():
                walk(owner, value)
        elif isinstance(node, list):
            for value in node:
                walk(owner, value)

    for name, resource in template["Resources"].items():
        walk(name, resource.get("Properties"))
    return found


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@functools.cache
def every_policy() -> list[tuple[str, dict[str, Any]]]:
    statements = []
    for mode in ("environment", "branch"):
        stack = Stack(bootstrap(), {"GitHubRepository": REPOSITORY, "TrustMode": mode})
        statements += [(f"bootstrap.yaml {n}", s) for n, s in policy_statements(stack.resolve(stack.template))]
    # template.yaml after SAM's transform (what CloudFormation deploys), with and without a secret.
    transformed = transformed_template()
    for given in ({}, {"SecretName": "/app/db-password"}, {"SecretName": "app/key", "SecretStore": "secretsmanager"}):
        stack = Stack(transformed, given)
        statements += [(f"template.yaml {n}", s) for n, s in policy_statements(stack.resolve(stack.template))]
    return statements


def test_no_policy_grants_every_action() -> None:
    statements = every_policy()
    allowed = [(owner, s) for owner, s in statements if s.get("Effect") == "Allow"]

    assert len(allowed) > 20, "the walk finds the policies"
    for owner, statement in allowed:
        for action in as_list(statement.get("Action", [])):
            assert action != "*" and not str(action).endswith(":*"), f"{owner} allows {action}"
        assert "NotAction" not in statement, owner


# Resource "*" only where AWS offers nothing narrower (each says so in a comment in bootstrap.yaml).
RESOURCE_STAR_OK = {
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "secretsmanager:GetRandomPassword",
    "cognito-idp:CreateUserPool",
    "cognito-idp:DescribeUserPoolDomain",
}


def test_resource_star_only_where_aws_offers_nothing_narrower() -> None:
    for owner, statement in every_policy():
        if statement.get("Effect") == "Allow" and "*" in as_list(statement.get("Resource")):
            assert set(as_list(statement["Action"])) <= RESOURCE_STAR_OK, f"{owner}: {statement}"


def test_the_policy_walk_finds_a_wildcard() -> None:
    """The test above can fail: a statement that allows everything is found."""
    template = copy.deepcopy(bootstrap())
    role = template["Resources"]["DevExecutionRole"]["Properties"]
    role["Policies"][0]["PolicyDocument"]["Statement"].append({"Effect": "Allow", "Action": "*", "Resource": "*"})

    assert any(s.get("Action") == "*" for _, s in policy_statements(template))
