# Sourced by scripts/start and scripts/test: make sure .venv exists.
# Debian ships Python's venv module in a separate package (python3-venv); install it
# when we can (root with apt-get), else say exactly what to run.
if [ ! -x .venv/bin/python ]; then
  if ! python3 -m venv .venv 2>/dev/null; then
    rm -rf .venv
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
      python3 -m venv .venv
    else
      echo "quotebot: Python's venv module is missing; run: sudo apt-get install python3-venv" >&2
      exit 2
    fi
  fi
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
fi
