"""The temporary per-operator print behind out/profiles/ (never committed to the library): `on` adds it to
CpuExecutionContext, `off` removes it. With it, a run under -Dtmp.prof=true prints after each graph run its time per
operation kind (TMPPROF, the backend's own profile) and per operation and output shape (TMPN, milliseconds).
Usage: ROOT=<checkout> python3 profile-patch.py on|off; then build sam3-bench and run e.g.
  java -jar sam3-bench/target/sam3-bench.jar PromptBenchmark.textPrompt -p config=full -p backend=cpu \
       -wi 2 -i 6 -jvmArgsAppend -Dtmp.prof=true"""
import sys
import os
p=os.environ.get('ROOT','/work/main')+'/sam3-api/src/main/java/org/sam3j/backend/cpu/CpuExecutionContext.java'
s=open(p).read()
L1='''            if (Boolean.getBoolean("tmp.prof")) TMPN.merge(step.label() + " " + t.label() + " " + java.util.Arrays.toString(t.shape()), System.nanoTime() - t0, Long::sum);
'''
L2='''        if (Boolean.getBoolean("tmp.prof")) { System.err.println("TMPPROF " + profile); TMPN.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).limit(45).forEach(e -> System.err.println("TMPN " + e.getValue() / 1000000 + " " + e.getKey())); TMPN.clear(); }
'''
L3='''
    private final Map<String, Long> TMPN = new HashMap<>();'''
A1='''            nanos.merge(step.label(), System.nanoTime() - t0, Long::sum);
'''
A2='''        lastProfile = java.util.Collections.unmodifiableMap(profile);
'''
A3='''    private Map<String, Long> lastProfile = Map.of();'''
if sys.argv[1]=='off':
    s=s.replace(L1,'').replace(L2,'').replace(L3,'')
else:
    assert 'TMPN' not in s
    s=s.replace(A1,A1+L1,1).replace(A2,A2+L2,1).replace(A3,A3+L3,1)
open(p,'w').write(s)
