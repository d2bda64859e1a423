"""template.yaml's side of "Who can open it" (README.md): with sign-in, a user pool people are
invited to and an app client that knows the stack's public door; with an IP list, a policy denying
the rest."""

from __future__ import annotations

import copy

from tools.stack_config import StackConfig, load_template
from tools.stack_values import Stack
from tools.template_graph import transformed

RESOURCES = load_template()["Resources"]
HAS_COGNITO = "DashUserPool" in RESOURCES
HAS_IP_LIST = bool((RESOURCES["DashApi"]["Properties"].get("Auth") or {}).get("ResourcePolicy"))


def _sub(value: object) -> str:
    return value["Fn::Sub"] if isinstance(value, dict) else str(value)


def test_sign_in_is_in_the_stack_exactly_when_asked_for() -> None:
    environment = (RESOURCES["DashFunction"]["Properties"].get("Environment") or {}).get("Variables") or {}
    cognito = {name for name, r in RESOURCES.items() if r["Type"].startswith("AWS::Cognito::")}

    if HAS_COGNITO:
        assert cognito == {
            "DashUserPool",
            "DashUserPoolDomain",
            "DashUserPoolClient",
            "DashManagedLoginBranding",
        }
        assert environment["DASH_AUTH"] == "cognito"
    else:
        assert cognito == set()
        assert "DASH_AUTH" not in environment


# The checks below exist only in a project with the feature (its tests cannot see another project).
if HAS_COGNITO:

    def test_the_user_pool_takes_invited_people_only() -> None:
        pool = RESOURCES["DashUserPool"]["Properties"]
        client = RESOURCES["DashUserPoolClient"]["Properties"]

        assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
        assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] >= 12
        assert pool["MfaConfiguration"] in ("OPTIONAL", "ON") and pool["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
        assert client["AllowedOAuthFlows"] == ["code"] and client["GenerateSecret"] is False
        assert "openid" in client["AllowedOAuthScopes"]

    def test_the_app_client_knows_the_public_door(config: StackConfig) -> None:
        # The stack as its parameters' defaults make it: prod (tests/test_auth_environments.py: dev).
        stack = Stack(load_template())
        client = stack.resolve(RESOURCES["DashUserPoolClient"]["Properties"])
        callbacks = [_sub(u) for u in client["CallbackURLs"]]
        sign_outs = [_sub(u) for u in client["LogoutURLs"]]
        prefix = config.public_prefix
        if config.door == "cloudfront":  # its custom domain if it has one, else its default host name
            public = [f"https://{a}{prefix}" for a in config.cdn.aliases] or [
                f"https://${{DashDistribution.DomainName}}{prefix}"
            ]
        elif config.door == "custom-domain":
            public = [f"https://{config.domain}{prefix}"]
        else:
            # Resolved as the client's URLs are (the stack's region and URL suffix filled in).
            public = [
                _sub(
                    stack.resolve(
                        {"Fn::Sub": f"https://${{DashApi}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}{prefix}"}
                    )
                )
            ]
        listed = [url.removesuffix("_auth/callback") for url in callbacks]

        assert set(public) <= set(listed), (public, listed)
        assert sign_outs == [f"{door}_auth/signed-out" for door in listed]
        # Any other URL is one the stack closes: the execute-api URL under a custom domain (disabled).
        others = [door for door in listed if door not in public]
        api = RESOURCES["DashApi"]["Properties"]
        assert all(".execute-api." in door for door in others), others
        assert not others or Stack(load_template()).resolve(api.get("DisableExecuteApiEndpoint")) is True

    def test_the_function_gets_the_client_id_from_the_stage() -> None:
        api = transformed(load_template())["Resources"]
        stages = [r for r in api.values() if r["Type"] in ("AWS::ApiGateway::Stage", "AWS::ApiGatewayV2::Stage")]
        variables = [s["Properties"].get("Variables") or s["Properties"].get("StageVariables") for s in stages]

        assert variables == [{"authClientId": {"Ref": "DashUserPoolClient"}}]
        environment = RESOURCES["DashFunction"]["Properties"]["Environment"]["Variables"]
        assert environment["DASH_AUTH"] == "cognito"
        assert "DashUserPoolClient" not in repr(environment)


if HAS_IP_LIST:

    def test_the_policy_denies_every_other_network_and_a_new_list_redeploys() -> None:
        template = load_template()
        body = _body(template)
        deny = next(s for s in body["x-amazon-apigateway-policy"]["Statement"] if s["Effect"] == "Deny")
        allowed = deny["Condition"]["NotIpAddress"]["aws:SourceIp"]

        assert deny["Action"] == "execute-api:Invoke" and deny["Resource"] == "execute-api:/*"
        assert allowed and all("/" in cidr for cidr in allowed)
        # README: edit the list and deploy. The deployment's name changes with it, so the stage gets it.
        changed = copy.deepcopy(template)
        statements = changed["Resources"]["DashApi"]["Properties"]["Auth"]["ResourcePolicy"]["CustomStatements"]
        next(s for s in statements if s["Effect"] == "Deny")["Condition"]["NotIpAddress"]["aws:SourceIp"] = [
            "192.0.2.0/24"
        ]
        assert _deployment(template) != _deployment(changed)


def _body(template: dict) -> dict:
    return transformed(template)["Resources"]["DashApi"]["Properties"]["Body"]


def _deployment(template: dict) -> str:
    return next(k for k, r in transformed(template)["Resources"].items() if r["Type"] == "AWS::ApiGateway::Deployment")
