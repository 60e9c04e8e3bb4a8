#!/usr/bin/env python3
"""Dumps the billing fields of an Aura Avro container file as TSV, decoded by the test-data
generator's own strict decoder (independent of the Swift Avro module).

    python3 make_events_tsv.py DATAGEN_DIR FILE.avro > FILE.events.tsv

Audit columns:   INTERACTION_ID AURA_TM AURA_APP_ID COUNTRY_3_ALPHA_CD AURA_SERVICE_NAME_CD AURA_COMPONENT_ID
Gateway columns: MESSAGE_ID MESSAGE_TM AURA_APP_ID COUNTRY_3_ALPHA_CD AURA_NLP_IND(0/1)
Null is written as \\N. Fields never contain tabs or newlines in generated data (checked).
"""
import sys

sys.path.insert(0, sys.argv[1])
import aura_datagen  # noqa: E402

schema, codec, records = aura_datagen.read_ocf(sys.argv[2])
gateway = schema["name"] == "Aura_Gateway_Message"
out = sys.stdout
for rec in records:
    if gateway:
        cols = [rec["MESSAGE_ID"], rec["MESSAGE_TM"], rec["AURA_APP_ID"], rec["COUNTRY_3_ALPHA_CD"],
                "1" if rec["AURA_NLP_IND"] else "0"]
    else:
        cols = [rec["INTERACTION_ID"], rec["AURA_TM"], rec["AURA_APP_ID"], rec["COUNTRY_3_ALPHA_CD"],
                rec["AURA_SERVICE_NAME_CD"], rec["AURA_COMPONENT_ID"]]
    cols = ["\\N" if c is None else c for c in cols]
    assert all("\t" not in c and "\n" not in c for c in cols)
    out.write("\t".join(cols) + "\n")
