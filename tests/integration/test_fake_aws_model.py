"""Direct checks of the AWS test endpoint's own machinery (tests/integration/fake_aws), without
the CLI: its query decoder inverts botocore's serializers exactly; its validator finds what the
model forbids; its SigV4 check refuses tampered, mis-scoped and expired requests; its faults
happen as configured; its answers parse with botocore's parsers; its credential endpoints serve
botocore's own credential fetchers."""

from __future__ import annotations

import datetime
import gzip
import json
import time
import urllib.error
import urllib.request

import pytest

botocore = pytest.importorskip("botocore", reason="apt-get install python3-botocore")
import botocore.session  # noqa: E402
from botocore import UNSIGNED  # noqa: E402
from botocore.auth import SigV4Auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.credentials import ContainerMetadataFetcher, Credentials, InstanceMetadataFetcher  # noqa: E402
from botocore.exceptions import ClientError, ConnectionClosedError, MetadataRetrievalError, ReadTimeoutError  # noqa: E402
from botocore.serialize import create_serializer  # noqa: E402

from fake_aws import FakeAws, model, query_decode, validation  # noqa: E402

UTC = datetime.timezone.utc

ROUND_TRIPS = [
    ("elbv2", "RegisterTargets", {"TargetGroupArn": "arn:tg", "Targets": [
        {"Id": "10.0.0.1", "Port": 443}, {"Id": "203.0.113.9", "AvailabilityZone": "all"}]}),
    ("elbv2", "DescribeTargetHealth", {"TargetGroupArn": "arn:tg", "Targets": []}),  # "Targets=": empty list
    ("elbv2", "CreateListener", {"LoadBalancerArn": "arn:lb", "Protocol": "HTTPS", "Port": 443, "DefaultActions": [
        {"Type": "authenticate-oidc", "Order": 1, "AuthenticateOidcConfig": {
            "Issuer": "i", "AuthorizationEndpoint": "a", "TokenEndpoint": "t", "UserInfoEndpoint": "u",
            "ClientId": "c", "AuthenticationRequestExtraParams": {"prompt": "login", "display": "page"}}}]}),
    ("ec2", "DescribeNetworkInterfaces", {"Filters": [
        {"Name": "subnet-id", "Values": ["subnet-a", "subnet-b"]}, {"Name": "interface-type", "Values": ["lambda"]}],
        "MaxResults": 50, "NextToken": "t"}),
    ("ec2", "DescribeNetworkInterfaces", {"NetworkInterfaceIds": ["eni-1", "eni-2"], "DryRun": False}),
    ("ec2", "AssociateAddress", {"AllocationId": "eipalloc-1", "NetworkInterfaceId": "eni-1",
                                 "PrivateIpAddress": "10.0.0.5", "AllowReassociation": True}),
    ("ec2", "DescribeAddresses", {"AllocationIds": ["eipalloc-1"], "PublicIps": ["198.51.100.1"],
                                  "Filters": [{"Name": "domain", "Values": ["vpc"]}]}),
    ("cloudwatch", "PutMetricData", {"Namespace": "staticgate", "MetricData": [
        {"MetricName": "LoadBalancerIPCount", "Value": 8.0, "Unit": "Count",
         "Timestamp": datetime.datetime(2026, 11, 23, 12, 0, 1, tzinfo=UTC),
         "Dimensions": [{"Name": "LoadBalancerName", "Value": "alb"}]},
        {"MetricName": "m", "Values": [1.0, 2.5], "Counts": [3.0, 1.0], "StorageResolution": 1}]}),
    ("sts", "AssumeRole", {"RoleArn": "arn:aws:iam::123456789012:role/r", "RoleSessionName": "sync",
                           "DurationSeconds": 900, "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/x"}],
                           "Tags": [{"Key": "k", "Value": "v"}], "TransitiveTagKeys": ["k"]}),
]


@pytest.mark.parametrize("service,action,params", ROUND_TRIPS, ids=[f"{s}-{a}" for s, a, _ in ROUND_TRIPS])
def test_decoder_inverts_botocores_serializer(service, action, params):
    op = model.operation(service, action)
    wire = create_serializer(model.service_model(service).protocol).serialize_to_request(params, op)["body"]
    pairs = {k: str(v) for k, v in wire.items() if k not in ("Action", "Version")}
    decoded = query_decode.decode(service, op.input_shape, pairs)
    assert (decoded.params, decoded.unknown, decoded.malformed) == (params, [], [])
    assert validation.validate(decoded.params, op.input_shape) == []


def test_decoder_reports_unknown_and_malformed_keys():
    op = model.operation("ec2", "DescribeNetworkInterfaces")
    decoded = query_decode.decode("ec2", op.input_shape, {"Filter.1.Name": "subnet-id", "Filter.1.Valeu.1": "x",
                                                          "Bogus": "1", "NetworkInterfaceId.2": "eni-2"})
    assert sorted(decoded.unknown) == ["Bogus", "Filter.1.Valeu.1"]
    assert decoded.malformed  # NetworkInterfaceId.2 without .1
    # The query protocol wraps list items in "member": the EC2 spelling is unknown there.
    op = model.operation("elbv2", "RegisterTargets")
    decoded = query_decode.decode("elbv2", op.input_shape, {"TargetGroupArn": "a", "Targets.1.Id": "x"})
    assert decoded.unknown == ["Targets.1.Id"]


def test_validator_finds_missing_wrong_type_enum_and_maxima():
    op = model.operation("elbv2", "CreateTargetGroup")
    decoded = query_decode.decode("elbv2", op.input_shape, {"Protocol": "SCTP", "Port": "eighty",
                                                            "HealthCheckPath": "/" * 1025, "HealthCheckIntervalSeconds": "301"})
    problems = {(p.kind, p.member) for p in validation.validate(decoded.params, op.input_shape)}
    assert problems == {("missing", "Name"), ("invalid", "HealthCheckPath"), ("invalid", "Port"),
                        ("invalid", "Protocol"), ("invalid", "HealthCheckIntervalSeconds")}
    op = model.operation("elbv2", "RegisterTargets")
    problems = validation.validate({"Targets": [{"Port": 1}]}, op.input_shape)
    assert {(p.kind, p.member) for p in problems} == {("missing", "TargetGroupArn"), ("missing", "Targets[0].Id")}


# ---- over HTTP

@pytest.fixture
def aws():
    with FakeAws() as fake:
        yield fake


def client(fake: FakeAws, service: str, **kw):
    config = Config(retries={"total_max_attempts": 1}, parameter_validation=False, read_timeout=kw.pop("read_timeout", 10))
    args = dict(endpoint_url=fake.url, region_name="us-east-1", config=config,
                aws_access_key_id=fake.access_key_id, aws_secret_access_key=fake.secret_access_key)
    args.update(kw)
    return botocore.session.get_session().create_client(service, **args)


def error_code(call) -> str:
    with pytest.raises(ClientError) as info:
        call()
    return info.value.response["Error"]["Code"]


def signed_post(fake: FakeAws, body: str | bytes, service: str, secret: str | None = None, tamper: str | None = None,
                headers: dict | None = None):
    request = AWSRequest(method="POST", url=fake.url + "/", data=body.encode() if isinstance(body, str) else body,
                         headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8", **(headers or {})})
    SigV4Auth(Credentials(fake.access_key_id, secret or fake.secret_access_key), service, "us-east-1").add_auth(request)
    prepared = request.prepare()
    data = tamper.encode() if tamper is not None else prepared.body
    headers = {k: v for k, v in prepared.headers.items() if k.lower() != "content-length"}
    http = urllib.request.Request(prepared.url, data=data, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(http, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_model_violations_get_each_services_error(aws):
    assert error_code(lambda: client(aws, "elbv2").register_targets(Targets=[{"Id": "10.0.0.1"}])) == "ValidationError"
    assert error_code(lambda: client(aws, "cloudwatch").put_metric_data(MetricData=[])) == "MissingParameter"
    assert error_code(lambda: client(aws, "sts").assume_role(RoleArn="arn:aws:iam::123456789012:role/r")) == "ValidationError"
    assert error_code(lambda: client(aws, "ec2").describe_network_interfaces(MaxResults="many")) == "InvalidParameterValue"
    status, text = signed_post(aws, "Action=DescribeAddresses&Version=2016-11-15&Colour=blue", "ec2")
    assert status == 400 and "<Code>UnknownParameter</Code>" in text and "<RequestID>" in text
    status, text = signed_post(aws, "Action=DescribeTargetHealthy&Version=2015-12-01", "elasticloadbalancing")
    assert status == 400 and "<Code>InvalidAction</Code>" in text and "<RequestId>" in text


def test_signature_checks(aws):
    ok = "Action=GetCallerIdentity&Version=2011-06-15"
    assert signed_post(aws, ok, "sts")[0] == 200
    status, text = signed_post(aws, ok, "sts", tamper=ok + "&x=1")
    assert status == 403 and "SignatureDoesNotMatch" in text
    status, text = signed_post(aws, ok, "ec2")  # signed for another service
    assert status == 403 and "Credential should be scoped to correct service" in text
    status, text = signed_post(aws, ok, "sts", secret="wrong")
    assert status == 403 and "SignatureDoesNotMatch" in text


def test_gzip_put_metric_data(aws):
    body = gzip.compress(b"Action=PutMetricData&Version=2010-08-01&Namespace=staticgate"
                         b"&MetricData.member.1.MetricName=SyncRuns&MetricData.member.1.Value=1")
    status, text = signed_post(aws, body, "monitoring", headers={"Content-Encoding": "gzip"})
    assert status == 200, text
    assert [d["name"] for d in aws.cloudwatch.state()["metric_data"]] == ["SyncRuns"]


def test_web_identity_then_expiry(aws):
    sts = client(aws, "sts", config=Config(signature_version=UNSIGNED, retries={"total_max_attempts": 1}))
    role = "arn:aws:iam::123456789012:role/eks-sync"
    assert error_code(lambda: sts.assume_role_with_web_identity(
        RoleArn=role, RoleSessionName="sync", WebIdentityToken="not-it")) == "InvalidIdentityToken"
    aws.settings.credential_lifetime_seconds = 1.0
    creds = sts.assume_role_with_web_identity(RoleArn=role, RoleSessionName="sync",
                                              WebIdentityToken=aws.settings.web_identity_token)["Credentials"]
    assert creds["Expiration"] - datetime.datetime.now(UTC) <= datetime.timedelta(seconds=1)
    as_role = client(aws, "elbv2", aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                     aws_session_token=creds["SessionToken"])
    assert as_role.describe_target_groups()["TargetGroups"] == []
    time.sleep(max(0.0, (creds["Expiration"] - datetime.datetime.now(UTC)).total_seconds()) + 0.05)  # at most ~1 s
    assert error_code(as_role.describe_target_groups) == "ExpiredToken"


def test_faults(aws):
    elbv2 = client(aws, "elbv2", read_timeout=0.5)
    aws.faults.add({"kind": "500", "action": "DescribeTargetGroups"})
    aws.faults.add({"kind": "503", "service": "elbv2"})
    aws.faults.add({"kind": "reset", "action": "DescribeTargetGroups"})
    aws.faults.add({"kind": "delay", "action": "DescribeTargetGroups", "seconds": 2.0})
    aws.faults.add({"kind": "expire", "action": "DescribeTargetGroups"})
    assert error_code(elbv2.describe_target_groups) == "InternalFailure"
    assert error_code(elbv2.describe_target_groups) == "ServiceUnavailable"
    with pytest.raises(ConnectionClosedError):
        elbv2.describe_target_groups()
    with pytest.raises(ReadTimeoutError):
        elbv2.describe_target_groups()
    assert error_code(elbv2.describe_target_groups) == "ExpiredToken"
    answer = elbv2.describe_target_groups()
    assert answer["TargetGroups"] == []
    assert answer["ResponseMetadata"]["RequestId"] == answer["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    assert aws.faults.pending() == []
    assert [c.get("fault") for c in aws.calls()] == ["500", "503", "reset", "delay", "expire", None]


def test_cloudwatch_reads_back_what_was_put(aws):
    cloudwatch = client(aws, "cloudwatch")
    now = datetime.datetime.now(UTC)
    dims = [{"Name": "LoadBalancerName", "Value": "alb"}]
    for value in (3.0, 5.0):
        cloudwatch.put_metric_data(Namespace="staticgate", MetricData=[
            {"MetricName": "LoadBalancerIPCount", "Value": value, "Dimensions": dims, "Timestamp": now}])
    [metric] = cloudwatch.list_metrics(Namespace="staticgate")["Metrics"]
    assert metric == {"Namespace": "staticgate", "MetricName": "LoadBalancerIPCount", "Dimensions": dims}
    [point] = cloudwatch.get_metric_statistics(
        Namespace="staticgate", MetricName="LoadBalancerIPCount", Dimensions=dims, Period=60,
        StartTime=now - datetime.timedelta(minutes=1), EndTime=now + datetime.timedelta(minutes=1),
        Statistics=["Sum", "Maximum", "SampleCount"])["Datapoints"]
    assert (point["Sum"], point["Maximum"], point["SampleCount"]) == (8.0, 5.0, 2.0)


def test_ec2_answers_parse_with_botocore(aws):
    eni = aws.ec2.create_lambda_interface("fn", "subnet-a", ["sg-1", "sg-2"])["NetworkInterfaceId"]
    ec2 = client(aws, "ec2")
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    association = ec2.associate_address(AllocationId=allocation, NetworkInterfaceId=eni)["AssociationId"]
    [interface] = ec2.describe_network_interfaces(Filters=[{"Name": "association.allocation-id", "Values": [allocation]}])["NetworkInterfaces"]
    assert interface["Association"]["AssociationId"] == association
    assert [g["GroupId"] for g in interface["Groups"]] == ["sg-1", "sg-2"]
    assert interface["PrivateIpAddresses"][0]["Association"]["AllocationId"] == allocation
    result = aws.ec2.set_lambda_network("fn", ["subnet-b"], ["sg-1"])
    assert result["deleted"] == [eni] and len(result["created"]) == 1
    [address] = ec2.describe_addresses(AllocationIds=[allocation])["Addresses"]
    assert "AssociationId" not in address
    assert error_code(lambda: ec2.disassociate_address(AssociationId=association)) == "InvalidAssociationID.NotFound"


def test_instance_metadata_and_container_credentials(aws):
    aws.settings.credential_lifetime_seconds = 600.0
    fetched = InstanceMetadataFetcher(timeout=5, num_attempts=1, base_url=aws.url).retrieve_iam_role_credentials()
    assert fetched["role_name"] == "staticgate-test-role" and fetched["access_key"].startswith("ASIA")
    # IMDSv2 only: no token, no answer; token TTL bounds as on EC2.
    with pytest.raises(urllib.error.HTTPError) as no_token:
        urllib.request.urlopen(aws.url + "/latest/meta-data/iam/security-credentials/", timeout=5)
    assert no_token.value.code == 401
    with pytest.raises(urllib.error.HTTPError) as bad_ttl:
        urllib.request.urlopen(urllib.request.Request(aws.url + "/latest/api/token", method="PUT",
                                                      headers={"X-aws-ec2-metadata-token-ttl-seconds": "21601"}), timeout=5)
    assert bad_ttl.value.code == 400

    aws.settings.container_authorization = "Bearer abc"
    fetcher = ContainerMetadataFetcher()
    creds = fetcher.retrieve_full_uri(aws.url + aws.settings.container_path, headers={"Authorization": "Bearer abc"})
    assert creds["AccessKeyId"].startswith("ASIA") and creds["RoleArn"].endswith(":role/staticgate-test-role")
    with pytest.raises(MetadataRetrievalError):
        fetcher.retrieve_full_uri(aws.url + aws.settings.container_path, headers={"Authorization": "Bearer wrong"})
    sts = client(aws, "sts", aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                 aws_session_token=creds["Token"])
    assert sts.get_caller_identity()["Arn"].endswith(":assumed-role/staticgate-test-role/fake-task")


def test_control_api_over_http(aws):
    def call(method, path, body=b""):
        request = urllib.request.Request(aws.url + path, data=body or None, method=method)
        with urllib.request.urlopen(request, timeout=5) as answer:
            return json.loads(answer.read())
    eni = call("POST", "/_fake/ec2/lambda-interfaces", b'{"function": "fn", "subnet_id": "subnet-a", "group_ids": ["sg-1"]}')
    assert eni["InterfaceType"] == "lambda"
    call("POST", "/_fake/faults", b'{"kind": "throttle", "action": "DescribeNetworkInterfaces"}')
    assert error_code(client(aws, "ec2").describe_network_interfaces) == "RequestLimitExceeded"
    assert [c["error"] for c in call("GET", "/_fake/calls?service=ec2")] == ["RequestLimitExceeded"]
    call("POST", "/_fake/reset")
    assert call("GET", "/_fake/state")["ec2"]["network_interfaces"] == []
    with pytest.raises(urllib.error.HTTPError) as unknown:
        call("POST", "/_fake/faults", b'{"kind": "meteor"}')
    assert unknown.value.code == 400
