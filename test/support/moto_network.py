"""Creates the network the real-api fixtures share, in moto's EC2, and prints it (and moto's version) as JSON.

Run with the .venv's python (boto3 comes with moto). One process instead of one awscli call per resource:
each awscli start costs 1-2 s of Python start-up on a small CI machine. @aws-sdk/client-ec2 is not a
dependency of this repo, and moto's ELBv2 rejects made-up subnet ids (InvalidSubnetID.NotFound), so the
VPC and subnets have to exist in moto's EC2. Endpoint, region and dummy credentials come from the environment
(AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).
"""

import json
import os

import boto3
import moto

region = os.environ["AWS_REGION"]
ec2 = boto3.client("ec2", region_name=region, endpoint_url=os.environ["AWS_ENDPOINT_URL"])

vpc_id = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
# moto quirk: its RunTask (which CreateTaskSet calls) reads the task ENI's private DNS name, which moto only
# sets in a VPC with DNS hostnames enabled; elsewhere CreateTaskSet fails with a 500. AWS has no such rule.
ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
subnet_ids = [
    ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=f"{region}{az}")["Subnet"]["SubnetId"]
    for cidr, az in (("10.20.1.0/24", "a"), ("10.20.2.0/24", "b"))
]
group_id = ec2.create_security_group(
    GroupName="ecs-taper-tasks", Description="ecs-taper real-api tasks", VpcId=vpc_id
)["GroupId"]

print(
    json.dumps(
        {
            "vpcId": vpc_id,
            "subnetIds": subnet_ids,
            "securityGroupId": group_id,
            "motoVersion": moto.__version__,
        }
    )
)
