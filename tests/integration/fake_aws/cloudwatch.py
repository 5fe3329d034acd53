"""CloudWatch custom metrics: PutMetricData stores every datum (with the checks AWS makes: no
reserved AWS/ namespace, Value xor StatisticValues, finite numbers); ListMetrics and a minimal
GetMetricStatistics read them back."""

from __future__ import annotations

import datetime
import math
import threading

from .context import RequestContext
from .errors import AwsError


class CloudWatch:
    def __init__(self):
        self._lock = threading.Lock()
        self.data: list[dict] = []  # {namespace, name, dimensions{}, timestamp, value|statistics, unit}

    def handle(self, action: str, p: dict, ctx: RequestContext) -> dict:
        handler = getattr(self, f"_{action}", None)
        if handler is None:
            raise AwsError("InvalidAction", f"The fake does not implement {action}")
        with self._lock:
            return handler(p, ctx)

    def _PutMetricData(self, p: dict, ctx: RequestContext) -> dict:
        namespace = p["Namespace"]
        if namespace.startswith("AWS/"):
            raise AwsError("InvalidParameterValue", f"The value {namespace} for parameter Namespace is invalid.")
        if len(p["MetricData"]) > 1000:
            raise AwsError("InvalidParameterValue", "The collection MetricData must not have a size greater than 1000.")
        stored = []
        for i, datum in enumerate(p["MetricData"], 1):
            has_value = "Value" in datum or "Values" in datum
            if has_value and "StatisticValues" in datum:
                raise AwsError("InvalidParameterCombination", f"The parameters MetricData.member.{i}.Value and "
                               f"MetricData.member.{i}.StatisticValues are mutually exclusive and you have "
                               "specified both.")
            if not has_value and "StatisticValues" not in datum:
                raise AwsError("MissingParameter", f"The parameter MetricData.member.{i}.Value is required.")
            for value in [datum.get("Value", 0.0), *datum.get("Values", [])]:
                if not math.isfinite(value):
                    raise AwsError("InvalidParameterValue", f"The value {value} for parameter "
                                   f"MetricData.member.{i}.Value is invalid.")
            stored.append({
                "namespace": namespace, "name": datum["MetricName"],
                "dimensions": {d["Name"]: d["Value"] for d in datum.get("Dimensions", [])},
                "timestamp": (datum.get("Timestamp") or ctx.now).isoformat(),
                "value": datum.get("Value"), "values": datum.get("Values"),
                "statistics": datum.get("StatisticValues"), "unit": datum.get("Unit", "None"),
            })
        self.data.extend(stored)
        return {}

    def _ListMetrics(self, p: dict, ctx: RequestContext) -> dict:
        seen, metrics = set(), []
        for d in self._select(p.get("Namespace"), p.get("MetricName"), p.get("Dimensions") or []):
            key = (d["namespace"], d["name"], tuple(sorted(d["dimensions"].items())))
            if key not in seen:
                seen.add(key)
                metrics.append({"Namespace": d["namespace"], "MetricName": d["name"],
                                "Dimensions": [{"Name": k, "Value": v} for k, v in key[2]]})
        return {"Metrics": metrics}

    def _GetMetricStatistics(self, p: dict, ctx: RequestContext) -> dict:
        """One datapoint over the whole window (enough for tests that check what was sent)."""
        start, end = p["StartTime"], p["EndTime"]
        values = [d["value"] for d in self._select(p["Namespace"], p["MetricName"], p.get("Dimensions") or [])
                  if d["value"] is not None and start <= datetime.datetime.fromisoformat(d["timestamp"]) < end]
        points = []
        if values:
            stats = {"SampleCount": float(len(values)), "Sum": sum(values), "Minimum": min(values),
                     "Maximum": max(values), "Average": sum(values) / len(values)}
            point = {"Timestamp": start, "Unit": p.get("Unit", "None")}
            point.update({k: stats[k] for k in p.get("Statistics", [])})
            points.append(point)
        return {"Label": p["MetricName"], "Datapoints": points}

    def _select(self, namespace, name, dimensions) -> list[dict]:
        wanted = {d["Name"]: d.get("Value") for d in dimensions}
        return [d for d in self.data
                if (namespace is None or d["namespace"] == namespace) and (name is None or d["name"] == name)
                and all(k in d["dimensions"] and (v is None or d["dimensions"][k] == v) for k, v in wanted.items())]

    def state(self) -> dict:
        with self._lock:
            return {"metric_data": list(self.data)}
