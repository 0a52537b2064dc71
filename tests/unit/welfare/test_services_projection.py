"""District read models of employment services and the minimum-allowance cycle, fed with envelopes of real
stored welfare events: the figures, and a redelivery changing nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from services.district.projections.community_allowance import CommunityAllowance, allowance_figures
from services.district.projections.community_employment import CommunityEmployment, employment_figures
from services.welfare.commands import (
    DefineProgramme, EmployerAnswer, Interview, LodgeObjection, OnDate, OpenCycle, PostVacancy, Refer, RegisterPerson,
    RegisterSeeker, ResolveObjection, Retention, ScheduleCourse, SeekerRef, StartJob, Withdraw,
)
from shared.kernel.clock import recorded_at
from shared.platform.projector import ReadModelWriter
from tests.unit.welfare.test_allowance_cycle import OFFICER, SECOND, approved, household, to_notice
from tests.unit.welfare.test_projection import deliveries

ENTERPRISE = "3f1c2a7e-0000-4000-8000-000000000001"


def seeker(app, n, group):
    person = app.register_person(OFFICER, RegisterPerson(
        community_id="hualong", name=f"求职者{n}", national_id=f"50010719900101{n:03d}3", phone="13800000000",
        address="华龙家园", birth_date="1990-01-01"))
    return app.register_seeker(OFFICER, RegisterSeeker(person_id=person, group=group, registered_on="2024-01-02"))


def placed(app, seeker_id, vacancy_id, on="2024-01-10"):
    referral = app.refer(OFFICER, Refer(seeker_id=seeker_id, vacancy_id=vacancy_id, on="2024-01-06"))
    app.record_interview(OFFICER, referral, Interview(on="2024-01-08", outcome="ok"))
    app.employer_answer(OFFICER, referral, EmployerAnswer(accepted=True, on="2024-01-09"))
    app.start_job(OFFICER, referral, StartJob(on=on, monthly_wage_fen=200_000))
    return referral


def test_employment_figures_by_group_and_idempotence(app, read_db):
    unemployed = [seeker(app, n, "unemployed") for n in range(3)]
    released = seeker(app, 9, "released")
    vacancy = app.post_vacancy(OFFICER, PostVacancy(community_id="hualong", enterprise_id=ENTERPRISE, title="保洁",
                                                    positions=5, monthly_wage_fen=200_000, posted_on="2024-01-05"))
    kept, left = placed(app, unemployed[0], vacancy), placed(app, unemployed[1], vacancy)
    placed(app, released, vacancy)
    with recorded_at(datetime(2024, 7, 20, tzinfo=UTC)):
        for referral in (kept, left):
            app.record_retention(OFFICER, referral, Retention(months=3, retained=True))
        app.record_retention(OFFICER, kept, Retention(months=6, retained=True))
        app.record_retention(OFFICER, left, Retention(months=6, retained=False))
    app.withdraw_seeker(OFFICER, unemployed[2], Withdraw(on="2024-02-01", reason="moved"))
    course = app.schedule_course(OFFICER, ScheduleCourse(community_id="hualong", title="t", skill="s", sessions=1,
                                                         min_attendance=1, starts_on="2024-02-01"))
    app.enrol_in_course(OFFICER, course, SeekerRef(seeker_id=unemployed[1]))

    writer = ReadModelWriter(read_db, [CommunityEmployment()])
    failures = []
    items = deliveries(app)
    writer.apply(items, lambda d, why: failures.append(why))
    assert failures == []
    figures = employment_figures(read_db["community_employment"].find_one({"_id": "hualong"}))
    assert (figures["seekers"], figures["seekers_placed"], figures["placements"]) == (4, 3, 3)
    assert figures["placement_rate"] == 0.75 and figures["in_work"] == 2
    assert figures["seekers_seeking"] == 1 and figures["seekers_withdrawn"] == 1  # the one who left seeks again
    assert figures["retention"] == {"3": {"checked": 2, "retained": 2, "rate": 1.0},
                                    "6": {"checked": 2, "retained": 1, "rate": 0.5}}
    assert figures["by_group"]["released"]["placement_rate"] == 1.0
    assert figures["by_group"]["unemployed"]["placement_rate"] == round(2 / 3, 4)
    assert figures["vacancies"] == {"posted": 1, "positions": 5, "filled": 3, "closed": 0}
    assert figures["referrals"] == {"made": 3, "interviews": 3, "accepted": 3, "declined": 0}
    assert figures["training"] == {"courses": 1, "enrolments": 1, "certificates": 0}

    snapshot = list(read_db["community_employment"].find({}, {"_rev": 0}))
    assert writer.apply(items, lambda d, why: failures.append(why)).applied == 0
    assert list(read_db["community_employment"].find({}, {"_rev": 0})) == snapshot


def test_allowance_figures_stages_objections_and_payments(app, read_db):
    on, on_members = household(app, size=3)
    approved(app, on, on_members, monthly=39_000)
    waiting, waiting_members = household(app)
    to_notice(app, waiting, waiting_members)
    app.lodge_objection(OFFICER, waiting, LodgeObjection(on="2024-03-12", ground="x"))
    app.lodge_objection(OFFICER, waiting, LodgeObjection(on="2024-03-13", ground="y"))
    app.resolve_objection(OFFICER, waiting, 1, ResolveObjection(on="2024-03-14", upheld=False, finding="z"))
    programme = app.define_programme(OFFICER, DefineProgramme(community_id="hualong", name="最低生活保障金",
                                                              kind="minimum_allowance", amount_fen=0))
    other = app.define_programme(OFFICER, DefineProgramme(community_id="hualong", name="残疾人补贴", kind="cash",
                                                          amount_fen=10_000))
    for month in ("2024-04", "2024-05"):
        cycle = app.open_cycle(OFFICER, OpenCycle(programme_id=programme, month=month))
        app.calculate(OFFICER, cycle)
        app.approve(SECOND, cycle)
        app.disburse(OFFICER, cycle, OnDate(on=f"{month}-10"))
    unrelated = app.open_cycle(OFFICER, OpenCycle(programme_id=other, month="2024-04"))
    app.calculate(OFFICER, unrelated)
    app.approve(SECOND, unrelated)
    app.disburse(OFFICER, unrelated, OnDate(on="2024-04-10"))

    items = deliveries(app)
    # The programme's definition may arrive after its payments (another aggregate, another partition).
    items.sort(key=lambda item: item[0].type.endswith("ProgrammeDefined.v1"))
    ReadModelWriter(read_db, [CommunityAllowance()]).apply(items, lambda d, why: None)
    figures = allowance_figures(read_db["community_allowance"].find_one({"_id": "hualong"}))
    assert (figures["households"], figures["persons"], figures["monthly_granted_fen"]) == (1, 3, 39_000)
    assert figures["paid_by_month"] == {"2024-04": 39_000, "2024-05": 39_000}
    assert figures["applications_by_stage"]["approved"] == 1 and figures["applications_by_stage"]["in_notice"] == 1
    assert figures["applications_open"] == 1
    assert figures["objections"] == {"lodged": 2, "upheld": 0, "dismissed": 1, "open": 1}
