#!/bin/sh
# The image's entry point (see README, Deployment): get the store ready, then serve the dashboard.
#   python -m deploy.prepare  waits for DATELINE_DATABASE_URL's database (DATELINE_WAIT_S, default 60 s), runs
#                             `python -m extract migrate`, makes the first admins (DATELINE_ADMINS) and, unless
#                             DATELINE_SEEDS=0, extracts seeds/ into an empty store; it stops the start on failure
#   streamlit run             on 0.0.0.0:$PORT (default 8501), headless, XSRF protection on, no file watcher,
#                             no welcome message (it would fetch the external IP)
# Extra arguments are passed to streamlit run (e.g. --server.baseUrlPath=dateline).
# DATELINE_PYTHON names the interpreter (default: python, the image's).
set -eu
cd "$(dirname "$0")/.."
PYTHON="${DATELINE_PYTHON:-python}"
PORT="${PORT:-8501}"

"$PYTHON" -m deploy.prepare

# Streamlit's own welcome message would look up the machine's external IP on the internet: hidden, this says it.
echo "dateline start: serving the dashboard on 0.0.0.0:$PORT (health: /_stcore/health)" >&2
exec "$PYTHON" -m streamlit run dashboard/app.py \
  --server.address=0.0.0.0 \
  --server.port="$PORT" \
  --server.headless=true \
  --server.enableXsrfProtection=true \
  --server.enableCORS=true \
  --server.fileWatcherType=none \
  --server.runOnSave=false \
  --browser.gatherUsageStats=false \
  --logger.hideWelcomeMessage=true \
  "$@"
