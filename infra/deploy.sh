#!/usr/bin/env bash
# Deploy the built stack (.aws-sam/build) to ENV (dev|prod of infra/samconfig.toml), pinning the
# bundle version that PREFIX/current.json names, so a new bundle or a rollback of the pointer
# reaches every instance (a pinned version is a new function configuration, hence new instances).
# Needs AWS credentials and: ALARM_EMAIL, SAM_ARTIFACT_BUCKET, DRIFT_IMAGE_REPOSITORY,
# CFN_EXECUTION_ROLE_ARN; optional ALLOWED_ORIGIN, MODEL_VERSION (pins another version).
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

version="${MODEL_VERSION:-$(served_version)}"
echo "deploying $stack with bundle version '${version:-<none yet>}'"
deploy "$version"
if [[ -z "${MODEL_VERSION:-}" && -z "$version" ]]; then
  # first deploy: the model bucket exists only now; pin the bundle if one was exported since
  version="$(served_version)"
  if [[ -n "$version" ]]; then deploy "$version"; else
    echo "no bundle yet: export one (credit export --to $(output ModelUri)) and deploy again" >&2
  fi
fi
