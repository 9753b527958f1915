#!/usr/bin/env bash
# Create (or rotate) the scoring API key: print it once, store only its sha256 in SSM.
# Usage: infra/put_api_key.sh [/credit-scoring/api-key-sha256]
set -euo pipefail
name="${1:-/credit-scoring/api-key-sha256}"
key="$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
hash="$(printf '%s' "$key" | sha256sum | cut -d' ' -f1)"
aws ssm put-parameter --name "$name" --type SecureString --value "$hash" --overwrite >/dev/null
echo "API key (give it to the UI's secrets, it is not stored anywhere): $key"
