"""Compares two run folders' levels (issue 23 item 4): how many SKUs' levels moved, the
simulated service against target per level origin (method) of the second folder, and the
recommended family's baseline portfolio row of each.

    python3 benches/levels_compare.py BEFORE_DIR AFTER_DIR

Standard library only.
"""
import csv,collections,statistics,sys
a_dir,b_dir=sys.argv[1],sys.argv[2]
m={r['sku']:r for r in csv.DictReader(open(a_dir+'/policy.csv'))}
n={r['sku']:r for r in csv.DictReader(open(b_dir+'/policy.csv'))}
f=lambda x: float(x) if x else None
up=down=same=0
for k in m:
    a,b=m[k],n[k]
    if a['reorder_point']!=b['reorder_point'] or a['order_up_to']!=b['order_up_to'] or a['order_quantity']!=b['order_quantity']:
        d=(f(b['reorder_point']) or f(b['order_up_to']))-(f(a['reorder_point']) or f(a['order_up_to']))
        if d>0: up+=1
        else: down+=1
    else: same+=1
print('levels moved: up',up,'down',down,'unchanged',same)
print('methods',collections.Counter(r['method'] for r in n.values()))
for meth in ['normal','empirical','simulated']:
    d=[f(r['simulated_service'])-f(r['target']) for r in n.values() if r['method']==meth and r['simulated_service']]
    if d: print(meth,'n',len(d),'simulated-target mean %.4f median %.4f below target %d'%(statistics.mean(d),statistics.median(d),sum(1 for x in d if x< -1e-9)))
def port(d):
    for r in csv.DictReader(open(d+'/simulation_portfolio.csv')):
        if r['policy']=='sS' and r['scenario']=='baseline': return r
for d in (a_dir,b_dir):
    r=port(d)
    if r: print(d,'fill',r['fill_rate'],'csl',r['cycle_service_level'],'inv value',r['inventory_value'],'cost',r['total_cost'])
