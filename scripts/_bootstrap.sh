# Sourced by the other scripts: make sure uv exists (in .tools/, from PyPI) and the project's locked
# environment is installed in .venv. Needs only the system Python 3.11+.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
UV_VERSION="0.13.9"
if [ ! -x .tools/bin/uv ]; then
  echo "==> 安装 uv ${UV_VERSION} 到 .tools/"
  "$PYTHON" -m venv .tools
  .tools/bin/pip install --quiet --disable-pip-version-check "uv==${UV_VERSION}"
fi
UV="$ROOT/.tools/bin/uv"
export UV_PROJECT_ENVIRONMENT="$ROOT/.venv"
sync_env() {
  # --frozen: install exactly what uv.lock says; never re-resolve.
  "$UV" sync --frozen --python "$PYTHON" "$@"
}
