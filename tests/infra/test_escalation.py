"""No path from the GitHub deploy role to IAM on itself: the policies of infra/bootstrap.yaml are
read and evaluated (tests/infra/iam.py) for every principal the deploy role can act as — itself,
the CloudFormation execution role it hands to CloudFormation, any role it or those can pass to a
service or create — and none may change the bootstrap's roles, boundary or stack."""

from __future__ import annotations

import copy
import itertools
import tomllib

import pytest

from tests.infra.cfn import ROOT, as_list, load_template, walk
from tests.infra.iam import ACCOUNT, REGION, Principal, Resolver, allowed, role_policies

BOOTSTRAP = load_template("infra/bootstrap.yaml")
TEMPLATE = load_template("template.yaml")
BOOT_STACK = "credit-scoring-bootstrap"  # infra/README.md's name for it
SAMCONFIG = tomllib.loads((ROOT / "infra/samconfig.toml").read_text())
APP_STACKS = [SAMCONFIG[env]["deploy"]["parameters"]["stack_name"] for env in ("dev", "prod")]
ADMIN = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
# roles of the account that no stack here made, with names close to the stacks' (without the
# boundary: changing or passing one would be an escalation)
FOREIGN_ROLES = [
    f"arn:aws:iam::{ACCOUNT}:role/credit-scoring-admin",
    f"arn:aws:iam::{ACCOUNT}:role/credit-scoring-production-ops",
]

# what changes a role, a managed policy, a stack or the OIDC provider (escalation or tampering)
ROLE_WRITES = [
    "iam:PutRolePolicy",
    "iam:AttachRolePolicy",
    "iam:UpdateAssumeRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:UpdateRole",
    "iam:DeleteRole",
    "iam:TagRole",
    "iam:PassRole",
]
POLICY_WRITES = [
    "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:DeletePolicyVersion",
    "iam:DeletePolicy",
]
STACK_WRITES = [
    "cloudformation:CreateChangeSet",
    "cloudformation:ExecuteChangeSet",
    "cloudformation:UpdateStack",
    "cloudformation:DeleteStack",
    "cloudformation:CreateStack",
    "cloudformation:SetStackPolicy",
    "cloudformation:UpdateTerminationProtection",
]
OIDC_WRITES = [
    "iam:UpdateOpenIDConnectProviderThumbprint",
    "iam:AddClientIDToOpenIDConnectProvider",
    "iam:DeleteOpenIDConnectProvider",
]


class Bootstrap:
    """The bootstrap stack resolved for one account, as principals and target ARNs."""

    def __init__(self, template: dict) -> None:
        self.resolver = Resolver(
            template,
            BOOT_STACK,
            parameters={"GitHubRepository": "owner/repo"},
            conditions={"CreateOidcProvider": True, "HasTrainingData": False},
        )
        resources = self.resolver.resolve(template["Resources"])
        self.boundary_arn = self.resolver.ref("ApplicationPermissionsBoundary")
        self.boundary = resources["ApplicationPermissionsBoundary"]["Properties"]["PolicyDocument"]
        self.roles = {
            name: self.resolver.get_att(name, "Arn")
            for name, r in template["Resources"].items()
            if r["Type"] == "AWS::IAM::Role"
        }
        self.principals = {
            arn: Principal(name, role_policies(resources[name], {}))
            for name, arn in self.roles.items()
        }
        self.deploy_arn = self.roles["GitHubDeployRole"]
        self.stack_arn = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{BOOT_STACK}/guid"

    def contexts(self) -> list[dict]:
        """Every request context a caller can choose (boundary, service, request tag)."""
        boundaries = [None, self.boundary_arn, "arn:aws:iam::aws:policy/AdministratorAccess"]
        services = [None, "cloudformation.amazonaws.com", "lambda.amazonaws.com"]
        tags = [None, "credit-scoring"]
        out = []
        for boundary, service, tag in itertools.product(boundaries, services, tags):
            context = {"aws:SecureTransport": "true"}
            if boundary:
                context["iam:PermissionsBoundary"] = boundary
            if service:
                context["iam:PassedToService"] = service
            if tag:
                context["aws:RequestTag/application"] = tag
            out.append(context)
        return out

    def can(self, principal: Principal, action: str, resource: str) -> dict | None:
        """A context in which ``principal`` may do ``action`` on ``resource``, or None."""
        return next((c for c in self.contexts() if allowed(principal, action, resource, c)), None)


def app_role_arns() -> list[str]:
    """ARNs the application stacks' roles and users get (their IAM paths), plus a fresh name."""
    arns = []
    for stack in APP_STACKS:
        for name, resource in TEMPLATE["Resources"].items():
            if resource["Type"] in ("AWS::IAM::Role", "AWS::IAM::User"):
                kind = "role" if resource["Type"] == "AWS::IAM::Role" else "user"
                path = Resolver(TEMPLATE, stack).resolve(resource["Properties"].get("Path", "/"))
                arns.append(f"arn:aws:iam::{ACCOUNT}:{kind}{path}{stack}-{name}-GENERATED1")
        arns.append(f"arn:aws:iam::{ACCOUNT}:role/{stack}-anything")
    return arns


def escalation_paths(template: dict) -> list[str]:
    """Every way found for the deploy role (through what it can act as) to change the bootstrap's
    roles, boundary, stack or OIDC provider, or to get a role without the boundary."""
    boot = Bootstrap(template)
    bounded = Principal("a role created with the boundary", [ADMIN], boot.boundary)
    reachable: dict[str, Principal] = {boot.deploy_arn: boot.principals[boot.deploy_arn]}
    paths: list[str] = []
    stacks = [f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{s}/guid" for s in APP_STACKS]
    stacks.append(boot.stack_arn)
    candidates = [*boot.roles.values(), *app_role_arns(), *FOREIGN_ROLES]
    candidates.append(f"arn:aws:iam::{ACCOUNT}:role/{BOOT_STACK}/new")
    todo = list(reachable.values())
    while todo:
        principal = todo.pop()
        # acting as another role: pass it to CloudFormation (with a change set) or to a service
        changes_stacks = any(
            boot.can(principal, "cloudformation:CreateChangeSet", s) for s in stacks
        )
        for arn in candidates:
            context = boot.can(principal, "iam:PassRole", arn)
            if context is None:
                continue
            via_cfn = context.get("iam:PassedToService") == "cloudformation.amazonaws.com"
            if via_cfn and not changes_stacks:
                continue
            if arn in FOREIGN_ROLES:
                paths.append(f"{principal.name} -> iam:PassRole {arn}")
                continue
            target = boot.principals.get(arn, bounded)
            if target.name not in {p.name for p in reachable.values()}:
                reachable[arn] = target
                todo.append(target)
        # creating a role or user: with the boundary it is bounded, otherwise it is an admin
        for arn in candidates:
            action = "iam:CreateUser" if ":user/" in arn else "iam:CreateRole"
            for context in boot.contexts():
                if not allowed(principal, action, arn, context):
                    continue
                if context.get("iam:PermissionsBoundary") != boot.boundary_arn:
                    paths.append(f"{principal.name} -> {action} {arn} without the boundary")
                elif bounded.name not in {p.name for p in reachable.values()}:
                    reachable["bounded"] = bounded
                    todo.append(bounded)
    targets = [(arn, ROLE_WRITES) for arn in boot.roles.values()]
    targets += [(arn, ROLE_WRITES) for arn in FOREIGN_ROLES]
    targets += [(boot.boundary_arn, POLICY_WRITES), (boot.stack_arn, STACK_WRITES)]
    oidc = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
    targets.append((oidc, OIDC_WRITES))
    for principal in reachable.values():
        for resource, actions in targets:
            for action in actions:
                if (
                    action == "iam:PassRole"
                    and resource == boot.roles["CloudFormationExecutionRole"]
                ):
                    continue  # the deploy role's one hand-over, followed above
                if boot.can(principal, action, resource):
                    paths.append(f"{principal.name} -> {action} {resource}")
        if principal is bounded:
            # a bounded role can do nothing in IAM, on itself or anything else
            for action in [*ROLE_WRITES, "iam:CreateRole", "iam:CreateUser", "iam:CreateAccessKey"]:
                if boot.can(principal, action, "*"):
                    paths.append(f"{principal.name} -> {action}")
    return paths


def test_no_path_from_the_deploy_role_to_iam_on_the_bootstrap():
    assert escalation_paths(BOOTSTRAP) == []


def test_the_deploy_role_reaches_the_execution_role_and_bounded_roles_only():
    boot = Bootstrap(BOOTSTRAP)
    deploy = boot.principals[boot.deploy_arn]
    execution = boot.roles["CloudFormationExecutionRole"]
    context = {"iam:PassedToService": "cloudformation.amazonaws.com"}
    assert allowed(deploy, "iam:PassRole", execution, context)
    assert not allowed(
        deploy, "iam:PassRole", execution, {"iam:PassedToService": "lambda.amazonaws.com"}
    )
    prod = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/credit-scoring-prod/guid"
    assert allowed(deploy, "cloudformation:CreateChangeSet", prod, {})
    assert not allowed(deploy, "cloudformation:CreateChangeSet", boot.stack_arn, {})
    # the execution role creates application roles only with the boundary
    cfn = boot.principals[execution]
    role = f"arn:aws:iam::{ACCOUNT}:role/credit-scoring-prod/scoring/credit-scoring-prod-X"
    assert allowed(cfn, "iam:CreateRole", role, {"iam:PermissionsBoundary": boot.boundary_arn})
    assert not allowed(cfn, "iam:CreateRole", role, {})
    assert not allowed(
        cfn, "iam:PutRolePolicy", boot.deploy_arn, {"iam:PermissionsBoundary": boot.boundary_arn}
    )


def without_statement(template: dict, role: str, sid: str) -> dict:
    mutated = copy.deepcopy(template)
    for node in walk(mutated["Resources"][role]):
        if isinstance(node, dict) and "Statement" in node:
            node["Statement"] = [s for s in node["Statement"] if s.get("Sid") != sid]
    return mutated


def test_the_search_finds_each_escalation_the_policies_close():
    # the execution role's IAM statement without its boundary condition: an admin role
    unbounded = copy.deepcopy(BOOTSTRAP)
    for node in walk(unbounded["Resources"]["CloudFormationExecutionRole"]):
        if isinstance(node, dict) and node.get("Sid") == "BoundedFunctionRoles":
            del node["Condition"]
    assert any("without the boundary" in p for p in escalation_paths(unbounded))
    # the execution role's role grant on every credit-scoring-* role, as before: any such role
    # of the account is exposed; the explicit deny still keeps the bootstrap's roles out...
    wide_roles = copy.deepcopy(BOOTSTRAP)
    for node in walk(wide_roles["Resources"]["CloudFormationExecutionRole"]):
        if isinstance(node, dict) and node.get("Sid") == "FunctionRoles":
            node["Resource"] = {
                "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${StackPrefix}-*"
            }
    paths = escalation_paths(wide_roles)
    assert any(f"iam:UpdateAssumeRolePolicy {FOREIGN_ROLES[0]}" in p for p in paths)
    assert not any(f"/{BOOT_STACK}/" in p for p in paths)
    # ...and without the deny too, the deploy role's own trust policy can be rewritten
    no_deny = without_statement(wide_roles, "CloudFormationExecutionRole", "NeverTheBootstrap")
    deploy_arn = Bootstrap(BOOTSTRAP).deploy_arn
    assert any(f"iam:UpdateAssumeRolePolicy {deploy_arn}" in p for p in escalation_paths(no_deny))
    # the deploy role allowed on every credit-scoring-* stack, as before: the bootstrap stack
    wide = without_statement(BOOTSTRAP, "GitHubDeployRole", "NeverTheBootstrap")
    for node in walk(wide["Resources"]["GitHubDeployRole"]):
        if isinstance(node, dict) and node.get("Sid") == "ChangeSets":
            node["Resource"] = {
                "Fn::Sub": "arn:${AWS::Partition}:cloudformation:${AWS::Region}:"
                "${AWS::AccountId}:stack/${StackPrefix}-*/*"
            }
    assert any("cloudformation:ExecuteChangeSet" in p for p in escalation_paths(wide))
    # a boundary that allows IAM: the bounded roles can act on IAM
    open_boundary = copy.deepcopy(BOOTSTRAP)
    document = open_boundary["Resources"]["ApplicationPermissionsBoundary"]["Properties"]
    document["PolicyDocument"]["Statement"] = [ADMIN["Statement"][0]]
    assert any("boundary ->" in p for p in escalation_paths(open_boundary))


def test_every_role_and_user_the_application_stack_creates_carries_the_boundary():
    resources = TEMPLATE["Resources"]
    boundary = {"Ref": "PermissionsBoundaryArn"}
    identities = [
        n for n, r in resources.items() if r["Type"] in ("AWS::IAM::Role", "AWS::IAM::User")
    ]
    assert {"ScoringFunctionRole", "DriftFunctionRole", "ReportsReader"} <= set(identities)
    for name in identities:
        assert resources[name]["Properties"]["PermissionsBoundary"] == boundary, name
    # a function without its own role gets one from SAM: the boundary comes from Globals
    assert TEMPLATE["Globals"]["Function"]["PermissionsBoundary"] == boundary
    for name, resource in resources.items():
        assert resource["Type"] not in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"), name
        if resource["Type"] == "AWS::Serverless::Function" and "Role" in resource["Properties"]:
            role = resource["Properties"]["Role"]["Fn::GetAtt"][0]
            assert role in identities, name
    # the parameter is the bootstrap's boundary, passed by the deploy
    script = (ROOT / "infra/deploy.sh").read_text()
    assert '"PermissionsBoundaryArn=$PERMISSIONS_BOUNDARY_ARN"' in script
    outputs = BOOTSTRAP["Outputs"]["PermissionsBoundaryArn"]["Value"]
    assert outputs == {"Ref": "ApplicationPermissionsBoundary"}


@pytest.mark.parametrize("role", ["GitHubDeployRole", "CloudFormationExecutionRole"])
def test_the_bootstrap_roles_live_under_the_path_their_denies_name(role):
    props = BOOTSTRAP["Resources"][role]["Properties"]
    assert props["Path"] == {"Fn::Sub": "/${AWS::StackName}/"}
    denies = [
        s
        for p in props["Policies"]
        if "PolicyDocument" in p  # not the optional training-data policy (Fn::If)
        for s in as_list(p["PolicyDocument"]["Statement"])
        if s["Effect"] == "Deny" and s.get("Sid") == "NeverTheBootstrap"
    ]
    (deny,) = denies
    texts = [r["Fn::Sub"] for r in deny["Resource"]]
    assert any(":role/${AWS::StackName}/*" in t for t in texts)
    assert any(":stack/${AWS::StackName}/*" in t for t in texts)
