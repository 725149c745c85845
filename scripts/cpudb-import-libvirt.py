#!/usr/bin/env python3
"""Regenerate the libvirt-derived parts of cpudb/ from a libvirt cpu_map directory.

Usage: scripts/cpudb-import-libvirt.py LIBVIRT_CPU_MAP_DIR [ALIASES_JSON]

Writes cpudb/features.json and cpudb/models/libvirt.json. Hand-curated facts that
libvirt does not carry (aliases from Linux, libcpuid and the vendor manuals) come
from ALIASES_JSON (default: the aliases already in cpudb/features.json), so
re-running the import never loses them. Model fingerprints are recomputed; the
Swift loader refuses a model whose features no longer match its fingerprint, so a
changed model must be added under a new version instead of edited in place.
"""
import json, os, sys
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REGS = ("eax", "ebx", "ecx", "edx")


def fnv1a64(text):
    h = 0xcbf29ce484222325
    for b in text.encode():
        h ^= b
        h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def fingerprint(model):
    """Must match CPUModel.fingerprint in Sources/MigPlanCPU/CPUModel.swift."""
    sigs = ";".join("%d/%d/%s" % (s["family"], s["model"], s.get("stepping") or "*")
                    for s in model["signatures"])
    text = "\n".join([model["name"], str(model["version"]), model.get("vendor") or "",
                      sigs, ",".join(sorted(model["features"]))])
    return fnv1a64(text)


def bit_of(mask_hex):
    v = int(mask_hex, 16)
    assert v and v & (v - 1) == 0, mask_hex
    return v.bit_length() - 1


def load_aliases(path):
    if not path or not os.path.exists(path):
        return {}
    data = json.load(open(path))
    if "features" in data and isinstance(data["features"], list):  # an existing features.json
        return {f["name"]: f.get("aliases", {}) for f in data["features"]}
    return data.get("features", {})


def main():
    src = sys.argv[1]
    alias_path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "cpudb", "features.json")
    curated = load_aliases(alias_path)
    root = ET.parse(os.path.join(src, "x86_features.xml")).getroot()
    features = []
    for f in root.findall("feature"):
        name = f.get("name")
        entry = {"name": name}
        cpuid, msr = f.find("cpuid"), f.find("msr")
        if cpuid is not None:
            regs = [r for r in REGS if cpuid.get(r)]
            assert len(regs) == 1, name
            entry["cpuid"] = {"leaf": "0x%08x" % int(cpuid.get("eax_in"), 16),
                              "subleaf": int(cpuid.get("ecx_in", "0"), 16),
                              "register": regs[0], "bit": bit_of(cpuid.get(regs[0]))}
        else:
            lo, hi = int(msr.get("eax"), 16), int(msr.get("edx"), 16)
            value = (hi << 32) | lo
            entry["msr"] = {"index": "0x%x" % int(msr.get("index"), 16), "bit": bit_of("%x" % value)}
        entry["migratable"] = f.get("migratable", "yes") != "no"
        aliases = {k: list(v) for k, v in curated.get(name, {}).items()}
        qemu = aliases.setdefault("qemu", [])
        for a in f.findall("alias"):
            if a.get("source") == "qemu" and a.get("name") not in qemu:
                qemu.append(a.get("name"))
        entry["aliases"] = {k: v for k, v in sorted(aliases.items()) if v}
        features.append(entry)

    index = ET.parse(os.path.join(src, "index.xml")).getroot()
    order = [inc.get("filename") for inc in index.find("arch[@name='x86']").findall("include")]
    models = []
    for fn in order:
        if fn in ("x86_vendors.xml", "x86_features.xml"):
            continue
        m = ET.parse(os.path.join(src, fn)).getroot().find("model")
        decode = m.find("decode")
        vendor = m.find("vendor")
        model = {"name": m.get("name"), "version": 1,
                 "vendor": vendor.get("name") if vendor is not None else None,
                 "decode": {"host": decode is None or decode.get("host") == "on",
                            "guest": decode is None or decode.get("guest") == "on"},
                 "signatures": [], "features": []}
        for s in m.findall("signature"):
            sig = {"family": int(s.get("family")), "model": int(s.get("model"))}
            if s.get("stepping"):
                sig["stepping"] = s.get("stepping")
            model["signatures"].append(sig)
        model["features"] = sorted(x.get("name") for x in m.findall("feature") if x.get("removed") != "yes")
        removed = sorted(x.get("name") for x in m.findall("feature") if x.get("removed") == "yes")
        if removed:
            # Not part of the model; libvirt disables them in guest CPUs it decodes to this model.
            model["removedFeatures"] = removed
        assert m.find("model") is None, "model inheritance not supported: " + fn
        model["source"] = "libvirt 9.0.0 src/cpu_map/" + fn
        model["fingerprint"] = fingerprint(model)
        models.append(model)

    out = {"schema": 1,
           "source": "libvirt 9.0.0 src/cpu_map/x86_features.xml (LGPL-2.1-or-later); aliases curated in migplan",
           "features": features}
    with open(os.path.join(ROOT, "cpudb", "features.json"), "w") as fh:
        write_json(fh, out, "features")
    with open(os.path.join(ROOT, "cpudb", "models", "libvirt.json"), "w") as fh:
        write_json(fh, {"schema": 1, "family": "libvirt",
                        "source": "libvirt 9.0.0 src/cpu_map (LGPL-2.1-or-later), in index.xml order",
                        "models": models}, "models")
    print("features: %d (cpuid %d, msr %d), models: %d" % (
        len(features), sum("cpuid" in f for f in features), sum("msr" in f for f in features), len(models)))


def write_json(fh, doc, list_key):
    """One list entry per line: reviewable diffs, still plain JSON."""
    head = {k: v for k, v in doc.items() if k != list_key}
    fh.write("{\n")
    for k, v in head.items():
        fh.write("  %s: %s,\n" % (json.dumps(k), json.dumps(v)))
    fh.write("  %s: [\n" % json.dumps(list_key))
    items = doc[list_key]
    for i, item in enumerate(items):
        fh.write("    " + json.dumps(item, ensure_ascii=False) + ("," if i + 1 < len(items) else "") + "\n")
    fh.write("  ]\n}\n")


if __name__ == "__main__":
    main()
