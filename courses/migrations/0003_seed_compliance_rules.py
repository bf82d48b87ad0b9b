"""The three rules of the seed documents, as data an administrator can change."""
from django.db import migrations

TOPIC = "铸牢中华民族共同体意识"
RULES = [
    # (name, metric, class kinds, threshold)
    ("主体班次铸牢中华民族共同体意识课时占比不少于10%", "topic_hour_ratio", ["main"], 1000),
    ("理论学习中心组每年至少开展1次专题学习", "topic_sessions_per_year", ["study_group"], 1),
    ("全员轮训全覆盖", "roster_coverage", ["rotation"], 10000),
]


def seed(apps, schema_editor):
    Topic = apps.get_model("courses", "Topic")
    Rule = apps.get_model("courses", "ComplianceRule")
    topic, _ = Topic.objects.get_or_create(name=TOPIC)
    for name, metric, kinds, threshold in RULES:
        if not Rule.objects.filter(name=name).exists():
            Rule.objects.create(
                name=name, metric=metric, class_kinds=kinds, threshold=threshold,
                topic=None if metric == "roster_coverage" else topic,
            )


def unseed(apps, schema_editor):
    apps.get_model("courses", "ComplianceRule").objects.filter(name__in=[r[0] for r in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("courses", "0002_training_classes")]
    operations = [migrations.RunPython(seed, unseed)]
