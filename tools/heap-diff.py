#!/usr/bin/env python3
"""What a set of connections added to a Node heap, itemised.

Usage: tools/heap-diff.py BEFORE.heapsnapshot AFTER.heapsnapshot CONNECTIONS [TOP]

Sums each node's self size by (type, constructor or name) in both V8 heap snapshots (written by
`node --heapsnapshot-signal`, see bench scenario C with BENCH_HEAP) and prints the largest
growths per connection. Strings are grouped as one line; closures by function name.
"""
import json
import sys
from collections import Counter


def totals(path):
    snapshot = json.load(open(path))
    meta = snapshot['snapshot']['meta']
    fields = meta['node_fields']
    types = meta['node_types'][0]
    width = len(fields)
    type_at, name_at, size_at = fields.index('type'), fields.index('name'), fields.index('self_size')
    nodes, strings = snapshot['nodes'], snapshot['strings']
    sums, counts = Counter(), Counter()
    for i in range(0, len(nodes), width):
        kind = types[nodes[i + type_at]]
        name = strings[nodes[i + name_at]] if kind in ('object', 'closure', 'native', 'hidden', 'code') else ''
        if kind == 'code' or kind == 'hidden':
            name = ''
        key = f'{kind} {name[:60]}'.strip()
        sums[key] += nodes[i + size_at]
        counts[key] += 1
    return sums, counts


def main():
    before, after, connections = sys.argv[1], sys.argv[2], int(sys.argv[3])
    top = int(sys.argv[4]) if len(sys.argv) > 4 else 25
    (b, bc), (a, ac) = totals(before), totals(after)
    grown = Counter({key: a[key] - b.get(key, 0) for key in a})
    total = sum(a.values()) - sum(b.values())
    print(f'heap grew {total / connections:,.0f} B per connection ({connections} connections)')
    print(f'{"B/conn":>8} {"objs/conn":>9}  what')
    for key, size in grown.most_common(top):
        print(f'{size / connections:8,.0f} {(ac[key] - bc.get(key, 0)) / connections:9.1f}  {key}')


if __name__ == '__main__':
    main()
