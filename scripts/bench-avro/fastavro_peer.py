"""fastavro peer: decode an Aura_Audit container and count rows per (OB, first 7 chars of AURA_TM,
component, app); prints the datagen's peer checksum and records/s as one JSON line."""
import json, sys, time
import fastavro

MASK = (1 << 64) - 1

def fnv1a64(b):
    h = 0xcbf29ce484222325
    for c in b:
        h = ((h ^ c) * 0x100000001b3) & MASK
    return h

path = sys.argv[1]
start = time.perf_counter()
groups = {}
n = 0
with open(path, "rb") as f:
    for r in fastavro.reader(f):
        key = (r["COUNTRY_3_ALPHA_CD"], r["AURA_TM"][:7], r["AURA_COMPONENT_ID"], r["AURA_APP_ID"])
        groups[key] = groups.get(key, 0) + 1
        n += 1
seconds = time.perf_counter() - start
s = 0
for (ob, mon, comp, app), c in groups.items():
    key = "%s\t%s\t%s\t%s" % (ob, mon, "\\N" if comp is None else comp, "\\N" if app is None else app)
    s = (s + fnv1a64(key.encode()) * c) & MASK
print(json.dumps({"peer": "fastavro " + fastavro.__version__, "records": n, "groups": len(groups),
                  "checksum": "%016x" % s, "seconds": seconds, "records_per_s": n / seconds}))
