import cProfile, pstats, time
from jifen.enablement import enabled_plugin_names
from jifen.exchange import verifications
from jifen.plugin_manager import CountyHooks
from .helpers import EDUCATION, csv_file, submitted

def test_perf(county, make_user):
    ids = [submitted(county, make_user, "jiashan", ("education", EDUCATION))["items"][0] for _ in range(100)]
    data = csv_file([["item", "decision"]] + [[f"#{i}", "通过"] for i in ids])
    with county("jiashan") as session:
        p = cProfile.Profile(); p.enable()
        t = time.time()
        r = verifications.run_import(session, CountyHooks(enabled_plugin_names(session)), data, file_name="f",
                                     department="education", actor="x", dry_run=True)
        p.disable()
        print("dry", len(r.applied_rows), round(time.time() - t, 2), "s")
        pstats.Stats(p).sort_stats("cumulative").print_stats(35)
