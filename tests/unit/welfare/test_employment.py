"""Employment services: the seeker register, vacancies, referrals to placement, retention, training."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from services.welfare.commands import (
    Attendance, Certify, EmployerAnswer, Interview, PostVacancy, Refer, RegisterPerson, RegisterSeeker, Retention,
    ScheduleCourse, SeekerRef, StartJob, Withdraw,
)
from services.welfare.domain import Referral, months_after
from shared.kernel.actor import Actor
from shared.kernel.clock import recorded_at
from shared.kernel.errors import Conflict, Forbidden, Invalid

OFFICER = Actor("officer-zhou", "welfare_officer", "p-zhou", ("hualong",))
JINPEN_OFFICER = Actor("officer-liu", "welfare_officer", "p-liu", ("jinpen",))
ENTERPRISE = uuid.UUID("3f1c2a7e-0000-4000-8000-000000000001")


def at(day: str):
    return recorded_at(datetime.fromisoformat(day).replace(hour=9, tzinfo=UTC))


def seeker(app, n=0, group="unemployed", community="hualong", actor=OFFICER):
    person = app.register_person(actor, RegisterPerson(
        community_id=community, name=f"求职者{n}", national_id=f"50010719800101{n:03d}1", phone="13800000000",
        address="华龙家园", birth_date="1980-01-01"))
    return app.register_seeker(actor, RegisterSeeker(person_id=person, group=group, registered_on="2024-01-02"))


def vacancy(app, positions=1):
    return app.post_vacancy(OFFICER, PostVacancy(community_id="hualong", enterprise_id=ENTERPRISE, title="保安",
                                                 positions=positions, monthly_wage_fen=200_000,
                                                 posted_on="2024-01-05"))


def accepted(app, seeker_id, vacancy_id):
    referral = app.refer(OFFICER, Refer(seeker_id=seeker_id, vacancy_id=vacancy_id, on="2024-01-06"))
    app.record_interview(OFFICER, referral, Interview(on="2024-01-08", outcome="suitable"))
    app.employer_answer(OFFICER, referral, EmployerAnswer(accepted=True, on="2024-01-09"))
    return referral


def test_months_after_keeps_the_day_or_takes_the_months_last():
    assert months_after("2024-01-15", 3) == "2024-04-15"
    assert months_after("2024-08-31", 6) == "2025-02-28"
    assert months_after("2023-11-30", 3) == "2024-02-29"


def test_a_placement_needs_an_interview_and_the_employers_acceptance(app):
    s, v = seeker(app), vacancy(app)
    referral = app.refer(OFFICER, Refer(seeker_id=s, vacancy_id=v, on="2024-01-06"))
    with pytest.raises(Conflict, match="has not accepted"):
        app.start_job(OFFICER, referral, StartJob(on="2024-01-10", monthly_wage_fen=200_000))
    with pytest.raises(Conflict, match="interview first"):
        app.employer_answer(OFFICER, referral, EmployerAnswer(accepted=True, on="2024-01-09"))
    with pytest.raises(Invalid, match="before the referral"):
        app.record_interview(OFFICER, referral, Interview(on="2024-01-01", outcome="x"))
    app.record_interview(OFFICER, referral, Interview(on="2024-01-08", outcome="suitable"))
    app.employer_answer(OFFICER, referral, EmployerAnswer(accepted=False, on="2024-01-09", reason="no licence"))
    with pytest.raises(Conflict, match="declined"):
        app.start_job(OFFICER, referral, StartJob(on="2024-01-10", monthly_wage_fen=200_000))
    assert app.seeker(OFFICER, s)["status"] == "seeking"

    referral = accepted(app, s, v)
    placed = app.start_job(OFFICER, referral, StartJob(on="2024-01-10", monthly_wage_fen=210_000))
    assert placed["status"] == "placed" and placed["started_on"] == "2024-01-10"
    assert app.seeker(OFFICER, s)["status"] == "placed"
    assert app.vacancy(OFFICER, v)["open_positions"] == 0


def test_a_full_vacancy_takes_no_referral_or_placement_and_a_placed_seeker_no_referral(app):
    first, second, v = seeker(app, 1), seeker(app, 2), vacancy(app, positions=1)
    r1, r2 = accepted(app, first, v), accepted(app, second, v)
    app.start_job(OFFICER, r1, StartJob(on="2024-01-10", monthly_wage_fen=200_000))
    with pytest.raises(Conflict, match="no open position"):
        app.start_job(OFFICER, r2, StartJob(on="2024-01-10", monthly_wage_fen=200_000))
    assert app.referral(OFFICER, r2)["status"] == "accepted"  # nothing was written
    with pytest.raises(Conflict, match="no open position"):
        app.refer(OFFICER, Refer(seeker_id=second, vacancy_id=v, on="2024-01-11"))
    with pytest.raises(Conflict, match="is placed"):
        app.refer(OFFICER, Refer(seeker_id=first, vacancy_id=vacancy(app), on="2024-01-11"))


def test_retention_is_recorded_only_once_its_date_came_and_in_order(app):
    s, v = seeker(app), vacancy(app)
    referral = accepted(app, s, v)
    app.start_job(OFFICER, referral, StartJob(on="2024-01-31", monthly_wage_fen=200_000))
    with at("2024-04-29"), pytest.raises(Conflict, match="from 2024-04-30"):
        app.record_retention(OFFICER, referral, Retention(months=3, retained=True))
    with at("2024-08-01"), pytest.raises(Conflict, match="at 3 months first"):
        app.record_retention(OFFICER, referral, Retention(months=6, retained=True))
    with at("2024-04-30"):
        app.record_retention(OFFICER, referral, Retention(months=3, retained=True))
        with pytest.raises(Conflict, match="already recorded"):
            app.record_retention(OFFICER, referral, Retention(months=3, retained=True))
        with pytest.raises(Conflict, match="from 2024-07-31"):
            app.record_retention(OFFICER, referral, Retention(months=6, retained=True))
    with pytest.raises(Invalid, match="3 and 6"):
        app.record_retention(OFFICER, referral, Retention(months=4, retained=True))
    with at("2024-08-02"):
        view = app.record_retention(OFFICER, referral, Retention(months=6, retained=False))
    assert view["retention"] == {"3": True, "6": False} and view["status"] == "ended"
    assert app.seeker(OFFICER, s)["status"] == "seeking"  # back on the register


def test_an_ended_placement_puts_the_seeker_back_unless_withdrawn(app):
    s, v = seeker(app), vacancy(app, positions=2)
    referral = accepted(app, s, v)
    app.start_job(OFFICER, referral, StartJob(on="2024-02-01", monthly_wage_fen=200_000))
    with pytest.raises(Invalid, match="before the start"):
        app.end_job(OFFICER, referral, Withdraw(on="2024-01-01", reason="x"))
    app.end_job(OFFICER, referral, Withdraw(on="2024-03-01", reason="contract ended"))
    assert app.seeker(OFFICER, s)["status"] == "seeking"
    with pytest.raises(Conflict, match="ended"):
        app.record_retention(OFFICER, referral, Retention(months=3, retained=True))
    app.withdraw_seeker(OFFICER, s, Withdraw(on="2024-03-02", reason="moved away"))
    with pytest.raises(Conflict, match="withdrawn"):
        app.refer(OFFICER, Refer(seeker_id=s, vacancy_id=v, on="2024-03-03"))


def test_one_register_entry_per_person_rejoined_after_withdrawing(app):
    person = app.register_person(OFFICER, RegisterPerson(
        community_id="hualong", name="求职者", national_id="500107198001019991", phone="13800000000",
        address="华龙家园", birth_date="1980-01-01"))
    first = app.register_seeker(OFFICER, RegisterSeeker(person_id=person, group="unemployed",
                                                        registered_on="2024-01-02"))
    assert first != person  # the entry's id is not the person's
    with pytest.raises(Conflict, match="already on the job-seeker register"):
        app.register_seeker(OFFICER, RegisterSeeker(person_id=person, group="laid_off", registered_on="2024-01-03"))
    app.withdraw_seeker(OFFICER, first, Withdraw(on="2024-02-01", reason="moved away"))
    again = app.register_seeker(OFFICER, RegisterSeeker(person_id=person, group="laid_off",
                                                        registered_on="2024-06-01"))
    assert again == first and app.seeker(OFFICER, again)["status"] == "seeking"
    assert app.seeker(OFFICER, again)["group"] == "laid_off"


def test_training_certificate_needs_the_minimum_attendance(app):
    s1, s2 = seeker(app, 1), seeker(app, 2)
    course = app.schedule_course(OFFICER, ScheduleCourse(community_id="hualong", title="手工编织订单培训",
                                                         skill="handicraft", sessions=4, min_attendance=3,
                                                         starts_on="2024-03-01"))
    app.enrol_in_course(OFFICER, course, SeekerRef(seeker_id=s1))
    with pytest.raises(Conflict, match="already enrolled"):
        app.enrol_in_course(OFFICER, course, SeekerRef(seeker_id=s1))
    with pytest.raises(Invalid, match="not enrolled"):
        app.record_attendance(OFFICER, course, Attendance(session=1, present=[s1, s2]))
    app.enrol_in_course(OFFICER, course, SeekerRef(seeker_id=s2))
    app.record_attendance(OFFICER, course, Attendance(session=1, present=[s1, s2]))
    with pytest.raises(Conflict, match="already recorded"):
        app.record_attendance(OFFICER, course, Attendance(session=1, present=[s1]))
    with pytest.raises(Invalid, match="sessions 1 to 4"):
        app.record_attendance(OFFICER, course, Attendance(session=5, present=[s1]))
    for session in (2, 3):
        app.record_attendance(OFFICER, course, Attendance(session=session, present=[s1]))
    app.certify(OFFICER, course, Certify(seeker_id=s1, on="2024-03-20"))
    with pytest.raises(Conflict, match="attended 1 of 4 sessions; a certificate needs 3"):
        app.certify(OFFICER, course, Certify(seeker_id=s2, on="2024-03-20"))
    with pytest.raises(Conflict, match="already has"):
        app.certify(OFFICER, course, Certify(seeker_id=s1, on="2024-03-21"))
    with pytest.raises(ValueError, match="min_attendance"):
        ScheduleCourse(community_id="hualong", title="t", skill="s", sessions=2, min_attendance=3,
                       starts_on="2024-03-01")


def test_another_communitys_officer_is_refused_and_seekers_stay_in_their_community(app):
    s = seeker(app)
    other = seeker(app, 7, community="jinpen", actor=JINPEN_OFFICER)
    v = vacancy(app)
    with pytest.raises(Forbidden):
        app.refer(JINPEN_OFFICER, Refer(seeker_id=s, vacancy_id=v, on="2024-01-06"))
    with pytest.raises(Forbidden):
        app.refer(OFFICER, Refer(seeker_id=other, vacancy_id=v, on="2024-01-06"))
    with pytest.raises(Invalid, match="before the vacancy"):
        app.refer(OFFICER, Refer(seeker_id=s, vacancy_id=v, on="2024-01-01"))


def test_referral_events_carry_the_group_and_no_person(app):
    s, v = seeker(app, group="released"), vacancy(app)
    referral = accepted(app, s, v)
    aggregate = app.repository.get(referral)
    assert isinstance(aggregate, Referral) and aggregate.group == "released"
    seeker_view = app.seeker(OFFICER, s)
    assert seeker_view["person_id"] not in repr(aggregate.__dict__)
