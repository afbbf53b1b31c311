"""Checks of the deployment files that need no Docker engine: docker-compose.yml, the
Dockerfiles, the gateway configs (and `nginx -t` / `docker-compose config` when installed)."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from deploy.local.launcher import (
    GATEWAY_TEMPLATE,
    SERVICES,
    admin_root_for,
    render_gateway_config,
)

ROOT = Path(__file__).resolve().parents[3]
COMPOSE = ROOT / "docker-compose.yml"
GATEWAY_DIR = ROOT / "deploy" / "gateway"
APP_SERVICES = ("programmes", "ilr", "export")
ROUTES = {
    "/api/programmes": "programmes",
    "/api/ilrs": "ilr",
    "/api/rules": "ilr",
    "/api/exports": "export",
}


def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(data, dict)
    return data


def workspace_packages() -> dict[str, Path]:
    """Workspace member name -> its folder (from the root pyproject)."""
    root = tomllib.loads((ROOT / "pyproject.toml").read_text())
    members = root["tool"]["uv"]["workspace"]["members"]
    out = {}
    for member in members:
        project = tomllib.loads((ROOT / member / "pyproject.toml").read_text())
        out[project["project"]["name"]] = ROOT / member
    return out


def dockerfile_of(service: dict[str, Any]) -> Path:
    build = service["build"]
    return ROOT / str(build.get("context", ".")) / str(build["dockerfile"])


def with_build_args(dockerfile: str, args: dict[str, str]) -> str:
    """The Dockerfile as built with `args` (APP_MODULE is the ENV that carries MODULE)."""
    values = {**args, "APP_MODULE": args.get("MODULE", "")}
    for name, value in values.items():
        dockerfile = dockerfile.replace("${" + name + "}", str(value))
    return dockerfile


def final_user(dockerfile: str) -> str:
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.MULTILINE)
    assert users, "no USER instruction"
    return str(users[-1])


def test_compose_has_every_service_with_a_healthcheck() -> None:
    services = compose()["services"]
    assert set(services) >= {"nats", "mongo", "gateway", *APP_SERVICES}
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"


def test_compose_infrastructure() -> None:
    services = compose()["services"]
    nats = services["nats"]
    assert "-js" in nats["command"]
    assert any(str(v).endswith(":/data") for v in nats["volumes"])
    mongo = services["mongo"]
    assert mongo["image"].startswith("mongo:8")
    assert mongo["command"][:2] == ["--replSet", "rs0"]
    check = " ".join(mongo["healthcheck"]["test"])
    assert "rs.initiate" in check and "rs0" in check  # the replica set initiates itself
    assert any(str(v).endswith(":/data/db") for v in mongo["volumes"])
    assert set(compose()["volumes"]) >= {"nats-data", "mongo-data"}


def test_compose_app_services_wiring() -> None:
    services = compose()["services"]
    for name in APP_SERVICES:
        service = services[name]
        env = service["environment"]
        assert env["MONGODB_URL"] == "mongodb://mongo:27017/?replicaSet=rs0"
        assert env["NATS_URL"] == "nats://nats:4222"
        assert "ILR_JWT_SECRET" in env and "${ILR_JWT_SECRET" in COMPOSE.read_text()
        assert "MONGODB_DATABASE" not in env  # each service keeps its own database
        depends = service["depends_on"]
        assert depends["nats"]["condition"] == "service_healthy"
        assert depends["mongo"]["condition"] == "service_healthy"
    gateway = services["gateway"]
    assert any(str(p).endswith(":8000") for p in gateway["ports"])
    assert {k: v["condition"] for k, v in gateway["depends_on"].items()} == {
        name: "service_healthy" for name in APP_SERVICES
    }


@pytest.mark.parametrize("name", APP_SERVICES)
def test_service_dockerfiles_build_a_workspace_package_as_non_root(name: str) -> None:
    service = compose()["services"][name]
    path = dockerfile_of(service)
    assert path.exists(), path
    text = with_build_args(path.read_text(), service["build"].get("args") or {})
    packages = workspace_packages()
    synced = re.findall(r"uv sync --frozen --no-dev[^\n]*--package (\S+)", text)
    assert synced, "no `uv sync --frozen --no-dev --package ...`"
    for package in synced:
        assert package in packages, f"{package} is not a workspace member"
    member = packages[synced[-1]]
    assert f"COPY services/{name} " in text and member == ROOT / "services" / name
    module = re.search(r'"(\w+)\.bootstrap:create_app"', text.split("\nCMD", 1)[1])
    assert module, "CMD does not run <pkg>.bootstrap:create_app"
    assert (member / "src" / module.group(1)).is_dir()
    spec = next(s for s in SERVICES if s.name == name)
    assert spec.app == f"{module.group(1)}.bootstrap:create_app"
    assert final_user(text) not in ("root", "0", "0:0")
    assert re.search(r"^HEALTHCHECK .*\n?.*/healthz", text, re.MULTILINE)


def test_gateway_dockerfile_builds_the_admin_app_and_runs_as_non_root() -> None:
    path = dockerfile_of(compose()["services"]["gateway"])
    text = path.read_text()
    assert re.search(r"^FROM node:\S+ AS admin", text, re.MULTILINE)
    assert "npm ci" in text and "npm run build" in text
    assert "COPY deploy/gateway/nginx.compose.conf /etc/nginx/nginx.conf" in text
    assert "COPY --from=admin /admin/dist /usr/share/nginx/html" in text
    assert final_user(text) not in ("root", "0", "0:0")
    assert "HEALTHCHECK" in text and "/healthz" in text


def test_dockerignore_keeps_local_state_out() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {"**/.venv", "**/node_modules", "var"} <= set(ignored)


def routes_of(config: str) -> dict[str, str]:
    """`location /api/x { proxy_pass http://up; }` -> {"/api/x": upstream's server}."""
    upstreams = dict(re.findall(r"upstream\s+(\w+)\s*\{\s*server\s+([^;\s]+);", config))
    found = {}
    for prefix, upstream in re.findall(
        r"location\s+(/api/\w+)\s*\{\s*proxy_pass\s+http://(\w+);", config
    ):
        found[prefix] = upstreams[upstream]
    return found


def test_compose_gateway_routes_the_api_prefixes_to_the_compose_services() -> None:
    config = (GATEWAY_DIR / "nginx.compose.conf").read_text()
    assert routes_of(config) == {prefix: f"{svc}:8000" for prefix, svc in ROUTES.items()}
    assert set(compose()["services"]) >= set(ROUTES.values())
    assert "listen 8000;" in config


def rendered_local_config(tmp_path: Path) -> str:
    (tmp_path / "gateway" / "tmp").mkdir(parents=True)
    (tmp_path / "log").mkdir()
    return render_gateway_config(
        GATEWAY_TEMPLATE.read_text(),
        listen="18000",
        upstreams={
            "programmes": "127.0.0.1:8101",
            "ilr": "127.0.0.1:8102",
            "export": "127.0.0.1:8103",
        },
        admin_root=admin_root_for(tmp_path, dist=tmp_path / "no-dist"),
        data_dir=tmp_path,
        log_dir=tmp_path / "log",
    )


def test_local_gateway_routes_the_api_prefixes(tmp_path: Path) -> None:
    config = rendered_local_config(tmp_path)
    assert "{{" not in config
    assert routes_of(config) == {
        "/api/programmes": "127.0.0.1:8101",
        "/api/ilrs": "127.0.0.1:8102",
        "/api/exports": "127.0.0.1:8103",
        "/api/rules": "127.0.0.1:8102",
    }
    assert "not built" in (tmp_path / "gateway" / "admin-not-built" / "index.html").read_text()


@pytest.mark.parametrize("name", ["nginx.conf", "nginx.compose.conf"])
def test_both_gateway_configs_share_the_edge_rules(name: str) -> None:
    config = (GATEWAY_DIR / name).read_text()
    assert re.search(r"client_max_body_size\s+\d+m;", config)
    assert "proxy_buffering off;" in config
    assert "try_files $uri $uri/ /index.html;" in config  # SPA fallback
    assert "location = /healthz" in config
    assert re.search(r"location /api/ \{[^}]*return 404", config)


def test_local_and_compose_gateway_configs_differ_only_in_placeholders() -> None:
    def skeleton(text: str) -> list[str]:
        lines = []
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith("#") or "{{user_directive}}" in line:
                continue
            if line.startswith(("worker_processes", "upstream")):
                continue
            lines.append(re.sub(r"\{\{\w+\}\}", "X", line))
        return lines

    local = skeleton(GATEWAY_TEMPLATE.read_text())
    composed = skeleton((GATEWAY_DIR / "nginx.compose.conf").read_text())
    assert len(local) == len(composed)
    for a, b in zip(local, composed, strict=True):
        if "X" not in a:
            assert a == b


@pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed")
def test_rendered_local_gateway_config_passes_nginx_t(tmp_path: Path) -> None:
    path = tmp_path / "gateway" / "nginx.conf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(rendered_local_config(tmp_path))
    result = subprocess.run(
        ["nginx", "-t", "-p", str(path.parent), "-c", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(not shutil.which("docker-compose"), reason="docker-compose is not installed")
def test_docker_compose_config_parses() -> None:
    result = subprocess.run(
        ["docker-compose", "-f", str(COMPOSE), "config", "-q"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("config", ["nginx.conf", "nginx.compose.conf"])
def test_gateway_access_log_leaves_out_query_strings(config: str) -> None:
    """Searches carry names and ULNs in the query string: they must not reach the log."""
    text = (ROOT / "deploy" / "gateway" / config).read_text()
    log_format = re.search(r"log_format no_query (.*?);", text, re.DOTALL)
    assert log_format, "no query-free log_format"
    for variable in ("$request ", "$request_uri", "$args", "$query_string", '$request"'):
        assert variable not in log_format.group(1)
    assert re.search(r"access_log \S+ no_query;", text)
