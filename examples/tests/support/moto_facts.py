"""Everything the smoke test checks after a deploy.sh run, read from moto in one process (boto3 from .venv).

Usage: python moto_facts.py PREFIX BUCKET REGION  (endpoint and dummy credentials come from the environment).
Prints one JSON object. One Python start instead of a dozen `aws` CLI calls keeps the smoke run short.
"""

import ast
import hashlib
import json
import sys

import boto3


def _document(document: object) -> object:
    if isinstance(document, str):
        # moto keeps an inline policy created by CloudFormation as the repr of a Python dict, not as JSON.
        try:
            return json.loads(document)
        except json.JSONDecodeError:
            return ast.literal_eval(document)
    return document


def main(prefix: str, bucket: str, region: str) -> dict:
    cfn = boto3.client("cloudformation", region_name=region)
    facts: dict = {"stacks": {}}
    for name in (f"{prefix}-infra", f"{prefix}-controller"):
        stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
        facts["stacks"][name] = {
            "status": stack["StackStatus"],
            "outputs": {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])},
            "parameters": {p["ParameterKey"]: p["ParameterValue"] for p in stack.get("Parameters", [])},
            # logical id -> physical id; moto lists a resource it could not keep (a conditioned-out one, an
            # updated AWS::Lambda::Version) as an empty row, which is left out.
            "resources": {
                r["LogicalResourceId"]: r.get("PhysicalResourceId", "")
                for r in cfn.list_stack_resources(StackName=name)["StackResourceSummaries"]
                if r["LogicalResourceId"]
            },
        }
    controller = facts["stacks"][f"{prefix}-controller"]

    lam = boto3.client("lambda", region_name=region)
    function = controller["outputs"]["FunctionName"]
    config = lam.get_function_configuration(FunctionName=function)
    facts["function"] = {
        "runtime": config["Runtime"],
        "handler": config["Handler"],
        "timeout": config["Timeout"],
        "codeSha256": config["CodeSha256"],
        "versions": [v["Version"] for v in lam.list_versions_by_function(FunctionName=function)["Versions"]],
    }

    policy = boto3.client("iam", region_name=region).get_role_policy(
        RoleName=controller["resources"]["ControllerFunctionRole"], PolicyName="ecs-taper-controller"
    )
    facts["controllerPolicy"] = _document(policy["PolicyDocument"])
    hand_over = boto3.client("iam", region_name=region).get_role_policy(
        RoleName=controller["resources"]["StateMachineRole"], PolicyName="hand-over-to-own-state-machine"
    )["PolicyDocument"]
    facts["handOverPolicy"] = _document(hand_over)

    s3 = boto3.client("s3", region_name=region)
    facts["objects"] = {
        o["Key"]: hashlib.sha256(s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()).hexdigest()
        for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    }

    sfn = boto3.client("stepfunctions", region_name=region)
    machine = controller["outputs"]["StateMachineArn"]
    facts["executions"] = [
        {"arn": e["executionArn"], "input": json.loads(sfn.describe_execution(executionArn=e["executionArn"])["input"])}
        for e in sfn.list_executions(stateMachineArn=machine)["executions"]
    ]
    return facts


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:4])))
