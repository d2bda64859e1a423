"""Sign-in per environment (samconfig.toml): prod's user pool client lists only prod's public URL;
http://localhost callback URLs (make dev, make serve against a real pool) exist only in dev."""

from __future__ import annotations

from test_environments import stack, template


def sign_in_urls(environment: str) -> dict[str, list[str]]:
    client = template()["Resources"]["DashUserPoolClient"]["Properties"]
    return stack(environment).resolve({k: client[k] for k in ("CallbackURLs", "LogoutURLs")})


def test_localhost_signs_in_to_dev_only() -> None:
    dev, prod = sign_in_urls("dev"), sign_in_urls("prod")

    for urls in dev.values():
        assert any(u.startswith("http://localhost:") for u in urls)
    for urls in prod.values():
        assert all(u.startswith("https://") for u in urls)
        assert len(urls) == 1, "prod lists its one public door only"


def test_each_client_lists_its_stacks_public_url() -> None:
    for environment in ("dev", "prod"):
        public = stack(environment).resolve(template()["Outputs"]["DashboardUrl"]["Value"])
        urls = sign_in_urls(environment)
        assert f"{public}_auth/callback" in urls["CallbackURLs"], environment
        assert f"{public}_auth/signed-out" in urls["LogoutURLs"], environment
