#!/usr/bin/env bash
# Deploy the built stack (.aws-sam/build) to ENV (dev|prod of infra/samconfig.toml):
#  1. sam deploy, pinning the bundle version PREFIX/current.json names (a pinned version is a new
#     function configuration, so a new bundle or a rolled-back pointer reaches every instance);
#  2. if MLFLOW_TRACKING_URI is set and the registry's champion is not in the model bucket yet,
#     export it (`credit export` writes the version, then current.json);
#  3. if the pointer moved, deploy again with the new pin.
# Needs AWS credentials and: ALARM_EMAIL, SAM_ARTIFACT_BUCKET, DRIFT_IMAGE_REPOSITORY,
# CFN_EXECUTION_ROLE_ARN; optional ALLOWED_ORIGIN, MLFLOW_TRACKING_URI, MODEL_VERSION (a pin).
set -euo pipefail
cd "$(dirname "$0")/.."
env="${1:?usage: infra/deploy.sh dev|prod}"
: "${ALARM_EMAIL:?}" "${SAM_ARTIFACT_BUCKET:?}" "${DRIFT_IMAGE_REPOSITORY:?}" "${CFN_EXECUTION_ROLE_ARN:?}"
sam="$(make -s --no-print-directory sam)"
export SAM_CLI_TELEMETRY=0

setting() {  # setting KEY: the ENV deploy setting from infra/samconfig.toml
  python3 -c 'import sys, tomllib; print(tomllib.load(open("infra/samconfig.toml", "rb"))[sys.argv[1]]["deploy"]["parameters"].get(sys.argv[2], ""))' "$env" "$1"
}
stack="$(setting stack_name)"

output() {  # output KEY: a stack output, empty before the first deploy
  aws cloudformation describe-stacks --stack-name "$stack" \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text 2>/dev/null || true
}

served_version() {  # the version current.json points to, empty if none yet
  local uri
  uri="$(output ModelUri)"
  [[ -n "$uri" && "$uri" != None ]] || return 0
  aws s3 cp "$uri/current.json" - 2>/dev/null \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])' 2>/dev/null || true
}

deploy() {  # deploy MODEL_VERSION
  # shellcheck disable=SC2046  # the static overrides are words by design
  "$sam" deploy --config-file infra/samconfig.toml --config-env "$env" \
    --template-file .aws-sam/build/template.yaml \
    --s3-bucket "$SAM_ARTIFACT_BUCKET" \
    --image-repositories "DriftFunction=$DRIFT_IMAGE_REPOSITORY" \
    --role-arn "$CFN_EXECUTION_ROLE_ARN" \
    --parameter-overrides $(setting parameter_overrides) \
      "AlarmEmail=$ALARM_EMAIL" "AllowedOrigin=${ALLOWED_ORIGIN:-}" "ModelVersion=$1"
}

publish_new_champion() {  # export the registry's champion unless its version is already there
  [[ -n "${MLFLOW_TRACKING_URI:-}" ]] || return 0
  local uri champion
  uri="$(output ModelUri)"
  champion="$(.tools/bin/uv run --locked --no-sync python -c 'from mlflow import MlflowClient
from credit_training import registry
print(registry.alias_version(MlflowClient(), registry.MODEL_NAME, registry.CHAMPION) or "")')"
  if [[ -z "$champion" ]]; then echo "the registry has no champion yet"; return 0; fi
  if aws s3 ls "$uri/$champion/checksums.json" >/dev/null 2>&1; then
    echo "champion v$champion is already in $uri"
    return 0
  fi
  .tools/bin/uv run --locked --no-sync credit export --to "$uri" --tracking-uri "$MLFLOW_TRACKING_URI"
}

before="${MODEL_VERSION:-$(served_version)}"
echo "deploying $stack with bundle version '${before:-<none yet>}'"
deploy "$before"
[[ -z "${MODEL_VERSION:-}" ]] || exit 0  # pinned by hand: nothing else moves
publish_new_champion
after="$(served_version)"
if [[ "$after" != "$before" ]]; then
  echo "current.json now names '$after': deploying again"
  deploy "$after"
elif [[ -z "$after" ]]; then
  echo "no bundle yet: export one (credit export --to $(output ModelUri)) and deploy again" >&2
fi
