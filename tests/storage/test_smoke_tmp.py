import hardlab
from hardlab.storage import Store

def test_open(store_url, make_plan):
    plan = make_plan({"test_1.py": "import hardpy\nimport pytest\n@pytest.mark.attempt(2)\ndef test_a():\n    hardpy.set_case_measurement(hardpy.NumericMeasurement(value=1.5, name='v', operation='gele', lower_limit=1, upper_limit=2))\n    assert hardpy.get_current_attempt() == 2\n"})
    r = hardlab.run(plan, store=store_url, quiet=True, attempt_delay=0)
    assert r.errors == () and r.store_url
    with Store(store_url) as store:
        assert store.count_runs() == 1
        assert len(store.attempts(str(r.run_id))) == 2
        rep = store.get_report(str(r.run_id))
        assert rep.model_dump(exclude={"id"}) == r.report.model_dump(exclude={"id"})
