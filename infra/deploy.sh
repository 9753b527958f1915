#!/usr/bin/env bash
# Deploy the built stack (.aws-sam/build) to ENV (dev|prod of infra/samconfig.toml):
#  1. sam deploy, pinning the bundle version PREFIX/current.json names and its digest (MODEL_SHA256
#     = sha256 of that version's checksums.json, so the API serves that bundle and no other; a
#     pinned version is a new function configuration, so every instance reloads);
#  2. if MLFLOW_TRACKING_URI is set and the registry's champion is not in the model bucket yet,
#     export it (`credit export` writes the version, then current.json);
#  3. if the pointer moved, deploy again with the new pin;
#  4. record the deployment (version, digest, commit, run, who triggered and who approved it) in
#     the model bucket (infra/deploy_record.py; locked like the bundles) and on the MLflow version.
# Needs AWS credentials and: ALARM_EMAIL, SAM_ARTIFACT_BUCKET, DRIFT_IMAGE_REPOSITORY,
# CFN_EXECUTION_ROLE_ARN, PERMISSIONS_BOUNDARY_ARN, DEPLOY_ROLE_ARN (the bundle publisher), and
# APPROVED_BY (who approved the production environment; "none" refuses to deploy);
# optional ALLOWED_ORIGIN, MLFLOW_TRACKING_URI, MODEL_VERSION (a pin).
set -euo pipefail
cd "$(dirname "$0")/.."
env="${1:?usage: infra/deploy.sh dev|prod}"
: "${ALARM_EMAIL:?}" "${SAM_ARTIFACT_BUCKET:?}" "${DRIFT_IMAGE_REPOSITORY:?}" "${CFN_EXECUTION_ROLE_ARN:?}"
: "${PERMISSIONS_BOUNDARY_ARN:?}" "${DEPLOY_ROLE_ARN:?}" "${APPROVED_BY:?}"
if [[ "$APPROVED_BY" == none ]]; then
  echo "nobody approved this deployment (production environment without required reviewers?)" >&2
  exit 2
fi
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

bundle_digest() {  # bundle_digest VERSION: sha256 of VERSION/checksums.json, empty without a version
  [[ -n "$1" ]] || return 0
  aws s3 cp "$(output ModelUri)/$1/checksums.json" - | sha256sum | cut -d ' ' -f 1
}

deploy() {  # deploy MODEL_VERSION: the version and its digest pinned
  local digest
  digest="$(bundle_digest "$1")"  # fails the deploy if the version's checksums cannot be read
  # shellcheck disable=SC2046  # the static overrides are words by design
  "$sam" deploy --config-file infra/samconfig.toml --config-env "$env" \
    --template-file .aws-sam/build/template.yaml \
    --s3-bucket "$SAM_ARTIFACT_BUCKET" \
    --image-repositories "DriftFunction=$DRIFT_IMAGE_REPOSITORY" \
    --role-arn "$CFN_EXECUTION_ROLE_ARN" \
    --parameter-overrides $(setting parameter_overrides) \
      "AlarmEmail=$ALARM_EMAIL" "AllowedOrigin=${ALLOWED_ORIGIN:-}" \
      "PermissionsBoundaryArn=$PERMISSIONS_BOUNDARY_ARN" "PublisherRoleArn=$DEPLOY_ROLE_ARN" \
      "ModelVersion=$1" "ModelSha256=$digest"
  served="$1" served_digest="$digest"
}

record() {  # record the deployment of the pinned version next to the bundles
  [[ -n "$served" ]] || return 0
  .tools/bin/uv run --locked --no-sync python infra/deploy_record.py \
    --bucket "$(output ModelBucketName)" --stack "$stack" --version "$served" \
    --sha256 "$served_digest" --approved-by "$APPROVED_BY"
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

served="" served_digest=""
before="${MODEL_VERSION:-$(served_version)}"
echo "deploying $stack with bundle version '${before:-<none yet>}'"
deploy "$before"
if [[ -z "${MODEL_VERSION:-}" ]]; then  # pinned by hand: nothing else moves
  publish_new_champion
  after="$(served_version)"
  if [[ "$after" != "$before" ]]; then
    echo "current.json now names '$after': deploying again"
    deploy "$after"
  elif [[ -z "$after" ]]; then
    echo "no bundle yet: export one (credit export --to $(output ModelUri)) and deploy again" >&2
  fi
fi
record
