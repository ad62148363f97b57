"""DnsFirewall: Route 53 Resolver DNS Firewall on one VPC, allow list first, NXDOMAIN for the rest.

Security groups and flow logs do not see DNS: without this, the VPC resolver answers any
public name, and a workload can leak data in the names it asks for. The construct takes a
VPC id and the names (so it works on a VPC this app did not create) and logs every query
the VPC resolver answers to an encrypted log group of the stack.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_route53resolver as resolver
from constructs import Construct

from private_bedrock.security.log_groups import encrypted_log_group

# DNS Firewall runs the VPC's rule groups in priority order, lowest first. Customers may use
# 100-9900; Firewall Manager places its own groups outside that range (Route 53 Resolver API,
# FirewallRuleGroupAssociation.Priority; aws-facts.md "Organisation scale", 2026-12). 100 is
# the first a customer can take, so no group associated later can run ahead of ours (at 101,
# a later group at 100 would, and its ALLOW would undercut our block). `make verify` checks
# that nothing but Firewall Manager's groups sits ahead of it.
ASSOCIATION_PRIORITY = 100
ALLOW_RULE_PRIORITY = 1
BLOCK_RULE_PRIORITY = 2
MATCH_EVERYTHING = "*"


@dataclass(frozen=True)
class DnsFirewallProps:
    vpc_id: str
    allowed_domains: Sequence[str]  # see private_bedrock/network/dns_names.py
    log_key: kms.IKey
    log_retention_days: int


class DnsFirewall(Construct):
    def __init__(self, scope: Construct, id: str, *, props: DnsFirewallProps) -> None:
        super().__init__(scope, id)
        allowed = resolver.CfnFirewallDomainList(self, "AllowedDomains", domains=list(props.allowed_domains))
        everything = resolver.CfnFirewallDomainList(self, "AllDomains", domains=[MATCH_EVERYTHING])
        self.domain_lists = (allowed, everything)
        self.rule_group = resolver.CfnFirewallRuleGroup(
            self,
            "RuleGroup",
            firewall_rules=[
                resolver.CfnFirewallRuleGroup.FirewallRuleProperty(
                    action="ALLOW",
                    priority=ALLOW_RULE_PRIORITY,
                    firewall_domain_list_id=allowed.attr_id,
                    # The answer's CNAME chain is the allowed zone owner's choice (AWS for the
                    # endpoints' names), not the workload's: no room to encode data in it.
                    firewall_domain_redirection_action="TRUST_REDIRECTION_DOMAIN",
                ),
                resolver.CfnFirewallRuleGroup.FirewallRuleProperty(
                    action="BLOCK",
                    priority=BLOCK_RULE_PRIORITY,
                    firewall_domain_list_id=everything.attr_id,
                    block_response="NXDOMAIN",
                ),
            ],
        )
        resolver.CfnFirewallRuleGroupAssociation(
            self,
            "Association",
            firewall_rule_group_id=self.rule_group.attr_id,
            vpc_id=props.vpc_id,
            priority=ASSOCIATION_PRIORITY,
            # ENABLED would also stop CloudFormation from updating or deleting it; keeping
            # others from removing it is an organisation control (SCP), see docs/security-model.md.
            mutation_protection="DISABLED",
        )
        # FirewallFailOpen has no CloudFormation resource; AWS's default is DISABLED (fail
        # closed: a query the firewall cannot judge is refused). `make verify` checks it.

        # Query logs are audit evidence: they outlive the stack like the flow logs.
        self.query_log_group = encrypted_log_group(
            self, "QueryLogs", key=props.log_key, retention_days=props.log_retention_days, removal_policy=RemovalPolicy.RETAIN
        )
        delivery = self._delivery_policy(self.query_log_group)
        query_logging = resolver.CfnResolverQueryLoggingConfig(self, "QueryLogging", destination_arn=self.query_log_group.log_group_arn)
        query_logging.node.add_dependency(delivery)
        resolver.CfnResolverQueryLoggingConfigAssociation(
            self, "QueryLoggingAssociation", resolver_query_log_config_id=query_logging.attr_id, resource_id=props.vpc_id
        )

    @property
    def rule_group_id(self) -> str:
        """For dashboards and alarms (AWS/Route53Resolver metrics are per rule group).

        Ref, not Fn::GetAtt Id: both give the FirewallRuleGroupId (AWS::Route53Resolver::
        FirewallRuleGroup, return values), and a Ref lets the deploy rehearsal create the
        dashboard too (moto cannot resolve an attribute of a type it does not create).
        """
        return self.rule_group.ref

    def _delivery_policy(self, group: logs.LogGroup) -> logs.ResourcePolicy:
        """Let the log delivery service write to this group only, for this account's resolver.

        Written here so the service does not add a broad policy of its own at deploy time.
        """
        stack = Stack.of(self)
        return logs.ResourcePolicy(
            self,
            "QueryLogDelivery",
            policy_statements=[
                iam.PolicyStatement(
                    sid="ResolverQueryLogDelivery",
                    principals=[iam.ServicePrincipal("delivery.logs.amazonaws.com")],
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[f"{group.log_group_arn}:log-stream:*"],
                    conditions={
                        "StringEquals": {"aws:SourceAccount": stack.account},
                        "ArnLike": {"aws:SourceArn": f"arn:aws:route53resolver:{stack.region}:{stack.account}:resolver-query-log-config/*"},
                    },
                )
            ],
        )
