"""Runs the flagship query with the Python `eql` reference engine (endgameinc/eql) over ECS NDJSON.

Usage: python3 bench/eql_reference.py EQL_CHECKOUT FILE.ndjson
Prints the number of matched sequences. Needs Debian's python3-lark; the checkout is put on sys.path.
Events are ordered by @timestamp, as Elasticsearch would, and given FILETIME times (the engine's default unit).
The checkout is only run beside seqhunt for comparison, never copied into this project.
"""
import json
import sys
from datetime import datetime, timezone

sys.path.insert(0, sys.argv[1])
import eql  # noqa: E402

QUERY = open(sys.argv[3]).read() if len(sys.argv) > 3 else None
EPOCH_AS_FILETIME = 116444736000000000


def filetime(iso):
    dt = datetime.strptime(iso.replace('Z', '+0000'), '%Y-%m-%dT%H:%M:%S.%f%z')
    return EPOCH_AS_FILETIME + int(dt.timestamp() * 1000) * 10000


def main():
    with eql.parser.elasticsearch_syntax, eql.parser.ignore_missing_functions:
        query = eql.parse_query(QUERY)
    count = [0]

    def on_result(_result):
        count[0] += 1

    engine = eql.PythonEngine()
    engine.add_query(query)
    engine.add_output_hook(on_result)
    events = []
    with open(sys.argv[2], 'rb') as f:
        for line in f:
            if not line.strip():
                continue
            doc = json.loads(line)
            category = doc.get('event', {}).get('category')
            if isinstance(category, list):
                category = category[0] if category else 'generic'
            doc['event_type'] = category
            # The Python engine compares a list with == as a whole, Elasticsearch by any of its values:
            # give it the single value Defend writes in a one-element event.type.
            etype = doc['event'].get('type')
            if isinstance(etype, list) and len(etype) == 1:
                doc['event']['type'] = etype[0]
            events.append((doc['@timestamp'], len(events), doc))
    events.sort(key=lambda e: (e[0], e[1]))
    engine.stream_events(eql.Event(doc['event_type'], filetime(ts), doc) for ts, _, doc in events)
    print(count[0])


main()
