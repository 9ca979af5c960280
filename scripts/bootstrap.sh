# Sourced by ./cogov and ./run-tests: finds Python >= 3.12, creates .venv/ and installs
# the project into it (again whenever pyproject.toml or the wanted extras change).
# Nothing needs installing by hand; set COGOV_PYTHON to force an interpreter.

COGOV_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
COGOV_VENV="$COGOV_ROOT/.venv"

cogov_python_ok() {
    # True if "$1" runs and is Python 3.12 or newer (pyenv shims that are not active
    # exist on PATH but fail to run: they are skipped).
    "$1" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 12) else 1)' \
        >/dev/null 2>&1
}

cogov_find_python() {
    local cand
    for cand in "${COGOV_PYTHON:-}" python3.14 python3.13 python3.12 python3 python; do
        [ -n "$cand" ] || continue
        if command -v "$cand" >/dev/null 2>&1 && cogov_python_ok "$cand"; then
            command -v "$cand"; return 0
        fi
    done
    # Interpreters installed but not on PATH (pyenv, deadsnakes, python.org builds).
    for cand in "$HOME"/.pyenv/versions/3.1[2-9]*/bin/python3 \
                /root/.pyenv/versions/3.1[2-9]*/bin/python3 \
                /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9] \
                /opt/python/3.1[2-9]*/bin/python3 /opt/homebrew/bin/python3.1[2-9]; do
        if [ -x "$cand" ] && cogov_python_ok "$cand"; then
            echo "$cand"; return 0
        fi
    done
    return 1
}

cogov_extras_cover() {
    # True if every extra in the comma-separated list "$2" is in the list "$1".
    local want
    local IFS=,
    for want in $2; do
        [ -n "$want" ] || continue
        case ",$1," in *",$want,"*) ;; *) return 1 ;; esac
    done
    return 0
}

cogov_extras_union() {
    # The comma-separated lists "$1" and "$2" merged, sorted, each extra once.
    printf '%s,%s' "$1" "$2" | tr ',' '\n' | awk 'NF && !seen[$0]++' | sort | paste -sd, -
}

cogov_ensure_venv() {
    # $1: extras to install, comma-separated, e.g. "app" or "app,dev" (empty for none).
    # The stamp file records the pyproject.toml hash and the extras installed; a venv
    # with every extra asked for serves, and a reinstall keeps the extras it had, so
    # ./cogov (app) and ./run-tests (app,dev) do not undo each other.
    local wanted="${1:-}" extras spec="." stamp hash py have_hash="" have_extras=""
    stamp="$COGOV_VENV/.cogov-installed"
    hash="$(sha256sum "$COGOV_ROOT/pyproject.toml" | cut -d' ' -f1)"
    if [ -x "$COGOV_VENV/bin/python" ] && cogov_python_ok "$COGOV_VENV/bin/python"; then
        if [ -f "$stamp" ]; then
            read -r have_hash have_extras < "$stamp" || true
            if [ "$have_hash" = "$hash" ] && cogov_extras_cover "$have_extras" "$wanted"; then
                return 0
            fi
        fi
    else
        if ! py="$(cogov_find_python)"; then
            echo "cogov needs Python 3.12 or newer and found none." >&2
            echo "Install one (e.g. 'apt-get install python3.12' or 'pyenv install 3.12')," >&2
            echo "or point COGOV_PYTHON at it: COGOV_PYTHON=/path/to/python3.12 $0 ..." >&2
            return 1
        fi
        echo "Setting up .venv with $py ($("$py" --version 2>&1)) ..." >&2
        rm -rf "$COGOV_VENV"
        "$py" -m venv "$COGOV_VENV" || return 1
    fi
    extras="$(cogov_extras_union "$have_extras" "$wanted")"
    [ -n "$extras" ] && spec=".[$extras]"
    echo "Installing cogov and its dependencies into .venv (first run only) ..." >&2
    "$COGOV_VENV/bin/python" -m pip install --disable-pip-version-check -qq --upgrade pip \
        >&2 || return 1
    (cd "$COGOV_ROOT" && "$COGOV_VENV/bin/python" -m pip install \
        --disable-pip-version-check -qq -e "$spec") >&2 || return 1
    echo "$hash $extras" > "$stamp"
}
