"""`cogov app`: serve the browser view (the `app` module) with Solara, fully offline.

Solara loads its page assets (the Vue/Vuetify app, fonts, require.js) from a public CDN
unless it proxies them from a local copy; the `solara-assets` package installs that copy
into `<venv>/share/solara/cdn`, and only the version matching solara's works (model brief
§9). The server here therefore:

- turns the assets proxy on (`SOLARA_ASSETS_PROXY`) and checks that solara-assets is
  installed and matches solara, saying so plainly if not;
- runs in production mode (no call-home iframe to solara.dev), without the PyPI version
  check, without telemetry and without opening a browser itself;
- prints the address to open.

The page reads no file of the server's beyond the bundled scenarios and what a session
uploads (see `viz.lab`), unless the server offers a scenario folder
(`--scenario-folder DIR`), whose files the page may then load by name.

The page is the installed module `app` (app.py, shipped in the wheel beside `viz`); it is
found through the import system, so the same command serves it from a checkout and from
an installed wheel.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import socket
import sys
import warnings
from importlib import metadata
from pathlib import Path

from viz.lab import FOLDER_ENV


def app_file() -> Path:
    """The page's source file: the installed module `app` (solara runs it by path)."""
    spec = importlib.util.find_spec("app")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("the module `app` (the browser view's page) is not "
                                "installed; reinstall cogov")
    return Path(spec.origin)

# Settings read by solara when it is imported; set before that happens.
OFFLINE_ENV = {
    "SOLARA_ASSETS_PROXY": "true",  # serve the CDN files from the local solara-assets copy
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",  # no usage reports to mixpanel
    "SOLARA_MODE": "production",  # no call-home check iframe, no dev tooling
    "SOLARA_THEME_SHOW_BANNER": "false",  # no "runs on Solara" link over the page
    "SOLARA_THEME_TITLE": "cogov",  # the tab's title before the page sets its own
}


APP_EXTRA_HINT = ("the browser view is the optional `app` extra, which is not installed "
                  "here: run ./cogov (it installs it), or pip install -e '.[app]'")


def app_missing() -> str | None:
    """Why `cogov app` cannot start in this environment (no solara), or None."""
    try:
        found = importlib.util.find_spec("solara") is not None
    except (ImportError, ValueError):  # a broken or blocked install
        found = False
    return None if found else APP_EXTRA_HINT


def asset_problem() -> str | None:
    """Why the page would need the internet, or None when every asset is local."""
    try:
        solara_version = metadata.version("solara")
        assets_version = metadata.version("solara-assets")
    except metadata.PackageNotFoundError as exc:
        return (f"{exc.name} is not installed; the page would load its assets from the "
                "internet. Reinstall the project with its app extra (pip install -e '.[app]').")
    if solara_version != assets_version:
        return (f"solara {solara_version} needs solara-assets {solara_version}, but "
                f"{assets_version} is installed; the page would load its assets from the "
                "internet.")
    cdn = Path(sys.prefix) / "share" / "solara" / "cdn"
    if not (cdn / "requirejs@2.3.6").is_dir():
        return f"the local page assets are missing from {cdn}; reinstall solara-assets."
    return None


def port_problem(host: str, port: int) -> str | None:
    """Why the server could not listen on host:port (in use, not an address), or None."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            return (f"cannot serve on {host}:{port} ({exc.strerror or exc}); another program "
                    f"may be using the port: try `cogov app --port {port + 1}`")
    return None


def solara_args(host: str, port: int) -> list[str]:
    """Arguments for `solara run` serving the app offline."""
    return [str(app_file()), "--host", host, "--port", str(port), "--production", "--no-open",
            "--no-check-version", "--log-level", "warning", "--log-level-uvicorn", "warning"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("app", help="serve the interactive browser view")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    p.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
    p.add_argument("--scenario-folder", default=None, metavar="DIR",
                   help="let the page load scenario and network files from DIR by name "
                   "(default: only bundled scenarios and files uploaded in the session)")
    p.set_defaults(func=cmd_app)


def cmd_app(args: argparse.Namespace) -> int:
    """Start the Solara server for app.py on args.host:args.port and print its address."""
    missing = app_missing()
    if missing:
        print(f"error: {missing}", file=sys.stderr)
        return 1
    busy = port_problem(args.host, args.port)
    if busy:
        print(f"error: {busy}", file=sys.stderr)
        return 1
    folder = getattr(args, "scenario_folder", None)
    if folder is not None:
        if not Path(folder).is_dir():
            print(f"error: --scenario-folder {folder}: no such folder", file=sys.stderr)
            return 2
        os.environ[FOLDER_ENV] = str(Path(folder).resolve())
    else:
        os.environ.pop(FOLDER_ENV, None)
    problem = asset_problem()
    if problem:
        print(f"warning: {problem}", file=sys.stderr)
    os.environ.update(OFFLINE_ENV)
    shown = "localhost" if args.host in ("127.0.0.1", "0.0.0.0", "::") else args.host
    print(f"cogov app: open http://{shown}:{args.port} in a browser "
          "(works without internet; Ctrl+C stops it)", flush=True)
    from solara.__main__ import run  # imported after the environment is set

    # Solara warns on every page load over plain http to 127.0.0.1 that it falls back to
    # SameSite=lax cookies: right for a local server, so not worth a trainer's attention.
    warnings.filterwarnings("ignore", message="Cookies with samesite", category=UserWarning)
    try:
        run.main(args=solara_args(args.host, args.port), prog_name="cogov app",
                 standalone_mode=False)
    except KeyboardInterrupt:
        pass
    return 0
