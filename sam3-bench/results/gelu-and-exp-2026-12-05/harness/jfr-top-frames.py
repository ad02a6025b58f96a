import json,collections,sys
# Top frames of a JFR recording in a time window: jfr print --json --events jdk.ExecutionSample --stack-depth 6 R.jfr > R.json;
# python3 jfr-top-frames.py R.json 2026-12-05T03:47:46.3 2026-12-05T03:47:49.4
from datetime import datetime
d=json.load(open(sys.argv[1]))
ev=d['recording']['events']
def t(s): return datetime.fromisoformat(s.replace('Z','')[:26])
t0=t(sys.argv[2]); t1=t(sys.argv[3])
c=collections.Counter(); c2=collections.Counter(); th=collections.Counter()
n=0
for e in ev:
    ts=t(e['values']['startTime'])
    if not (t0<=ts<=t1): continue
    fr=e['values']['stackTrace']['frames']
    if not fr: continue
    n+=1
    name=lambda f: f['method']['type']['name'].split('.')[-1]+'.'+f['method']['name']
    c[name(fr[0])]+=1
    c2[' < '.join(name(f) for f in fr[:4])]+=1
    th[e['values']['sampledThread']['javaName']]+=1
print(n, th.most_common(5))
for k,v in c.most_common(25): print(v,k)
print()
for k,v in c2.most_common(25): print(v,k)
