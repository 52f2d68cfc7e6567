//! Hand-kept diesel schema. Only types both backends share: Integer, BigInt, Double, Text,
//! Bool, Binary, Date, Timestamp (naive UTC), Nullable. Keep in step with `migrations/sqlite` and `migrations/postgres`.

diesel::table! {
    units (id) {
        id -> Integer,
        parent_id -> Nullable<Integer>,
        code -> Text,
        name -> Text,
        kind -> Text,
        category -> Text,
        path -> Text,
        sort_order -> Integer,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    users (id) {
        id -> Integer,
        username -> Text,
        display_name -> Text,
        password_hash -> Text,
        role -> Text,
        unit_id -> Integer,
        active -> Bool,
        must_change_password -> Bool,
        last_login_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Nullable<Integer>,
        state -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    login_throttle (username) {
        username -> Text,
        failures -> Integer,
        locked_until -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Integer,
        at -> Timestamp,
        user_id -> Nullable<Integer>,
        unit_id -> Nullable<Integer>,
        action -> Text,
        entity -> Text,
        entity_id -> Nullable<Integer>,
        summary -> Text,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
    }
}

diesel::table! {
    app_settings (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    campaigns (id) {
        id -> Integer,
        year -> Integer,
        name -> Text,
        due_day -> Integer,
        yellow_days -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
        goals_version -> Integer,
        months_version -> Integer,
        hours_quota -> Integer,
    }
}

diesel::table! {
    campaign_goals (id) {
        id -> Integer,
        campaign_id -> Integer,
        style -> Text,
        seq -> Integer,
        name -> Text,
        description -> Text,
    }
}

diesel::table! {
    campaign_months (id) {
        id -> Integer,
        campaign_id -> Integer,
        month -> Integer,
        requirement -> Text,
    }
}

diesel::table! {
    attachments (id) {
        id -> Integer,
        owner -> Text,
        owner_id -> Integer,
        unit_id -> Integer,
        file_name -> Text,
        content_type -> Text,
        size -> Integer,
        data -> Binary,
        uploaded_by -> Nullable<Integer>,
        uploaded_at -> Timestamp,
    }
}

diesel::table! {
    unit_plans (id) {
        id -> Integer,
        campaign_id -> Integer,
        unit_id -> Integer,
        title -> Text,
        content -> Text,
        updated_by -> Nullable<Integer>,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    measures (id) {
        id -> Integer,
        campaign_id -> Integer,
        unit_id -> Integer,
        title -> Text,
        content -> Text,
        category -> Text,
        carrier -> Text,
        lead_tag -> Text,
        indicator -> Text,
        target_value -> Nullable<Double>,
        target_unit -> Text,
        owner -> Text,
        deadline -> Date,
        status -> Text,
        progress -> Integer,
        closed_at -> Nullable<Timestamp>,
        version -> Integer,
        created_by -> Nullable<Integer>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    measure_goals (measure_id, goal_id) {
        measure_id -> Integer,
        goal_id -> Integer,
    }
}

diesel::table! {
    rect_tables (id) {
        id -> Integer,
        campaign_id -> Integer,
        unit_id -> Integer,
        title -> Text,
        created_by -> Nullable<Integer>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    rect_items (id) {
        id -> Integer,
        table_id -> Integer,
        campaign_id -> Integer,
        unit_id -> Integer,
        seq -> Integer,
        area -> Text,
        source -> Text,
        problem -> Text,
        cause -> Text,
        measure -> Text,
        requirement -> Text,
        responsible -> Text,
        deadline -> Date,
        original_deadline -> Date,
        status -> Text,
        accepted_by -> Nullable<Integer>,
        accepted_at -> Nullable<Timestamp>,
        version -> Integer,
        created_by -> Nullable<Integer>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    rect_extensions (id) {
        id -> Integer,
        item_id -> Integer,
        unit_id -> Integer,
        old_deadline -> Date,
        new_deadline -> Date,
        reason -> Text,
        status -> Text,
        requested_by -> Nullable<Integer>,
        requested_at -> Timestamp,
        decided_by -> Nullable<Integer>,
        decided_at -> Nullable<Timestamp>,
        decision_comment -> Text,
    }
}

diesel::table! {
    task_force (id) {
        id -> Integer,
        user_id -> Integer,
        unit_id -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    supervision_notes (id) {
        id -> Integer,
        entity -> Text,
        entity_id -> Integer,
        unit_id -> Integer,
        author_id -> Nullable<Integer>,
        content -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    field_changes (id) {
        id -> Integer,
        entity -> Text,
        entity_id -> Integer,
        user_id -> Nullable<Integer>,
        at -> Timestamp,
        field -> Text,
        old_value -> Text,
        new_value -> Text,
    }
}

diesel::table! {
    monthly_reports (id) {
        id -> Integer,
        campaign_id -> Integer,
        unit_id -> Integer,
        year -> Integer,
        month -> Integer,
        state -> Text,
        version -> Integer,
        highlights -> Text,
        problems -> Text,
        next_plan -> Text,
        due_date -> Date,
        submitted_at -> Nullable<Timestamp>,
        submitted_by -> Nullable<Integer>,
        late -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        updated_by -> Nullable<Integer>,
    }
}

diesel::table! {
    report_lines (id) {
        id -> Integer,
        report_id -> Integer,
        kind -> Text,
        ref_id -> Integer,
        title -> Text,
        seq -> Integer,
        progress -> Nullable<Integer>,
        work -> Text,
        status -> Text,
        snap_progress -> Nullable<Integer>,
        snap_status -> Nullable<Text>,
    }
}

diesel::table! {
    first_topics (id) {
        id -> Integer,
        unit_id -> Integer,
        meeting_date -> Date,
        meeting_kind -> Text,
        topic -> Text,
        materials -> Text,
        attendance -> Integer,
        absent -> Integer,
        notes -> Text,
        state -> Text,
        version -> Integer,
        submitted_at -> Nullable<Timestamp>,
        submitted_by -> Nullable<Integer>,
        created_by -> Nullable<Integer>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    review_events (id) {
        id -> Integer,
        entity -> Text,
        entity_id -> Integer,
        action -> Text,
        from_state -> Text,
        to_state -> Text,
        actor_id -> Nullable<Integer>,
        comment -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    reminders_sent (id) {
        id -> Integer,
        kind -> Text,
        unit_id -> Integer,
        period -> Text,
        channel -> Text,
        sent_at -> Timestamp,
    }
}

diesel::table! {
    outbox (id) {
        id -> Integer,
        channel -> Text,
        subject -> Text,
        body -> Text,
        created_at -> Timestamp,
        next_attempt_at -> Timestamp,
        attempts -> Integer,
        claimed_until -> Nullable<Timestamp>,
        sent_at -> Nullable<Timestamp>,
        failed_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    notices (id) {
        id -> Integer,
        user_id -> Integer,
        message -> Text,
        link -> Text,
        created_at -> Timestamp,
        read_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    report_reminders (id) {
        id -> Integer,
        unit_id -> Integer,
        year -> Integer,
        month -> Integer,
        reminded_on -> Date,
        reminded_at -> Timestamp,
        reminded_by -> Integer,
    }
}

diesel::table! {
    roster_people (id) {
        id -> Integer,
        unit_id -> Integer,
        name -> Text,
        categories -> Text,
        post -> Text,
        active_from -> Nullable<Date>,
        active_to -> Nullable<Date>,
        notes -> Text,
        version -> Integer,
        created_by -> Nullable<Integer>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    activities (id) {
        id -> Integer,
        unit_id -> Integer,
        kind -> Text,
        title -> Text,
        start_date -> Date,
        end_date -> Date,
        target_groups -> Text,
        hours -> Double,
        lead_tags -> Text,
        place -> Text,
        summary -> Text,
        participant_count -> Nullable<Integer>,
        pass_mark -> Nullable<Double>,
        version -> Integer,
        created_by -> Nullable<Integer>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    activity_attendance (id) {
        id -> Integer,
        activity_id -> Integer,
        person_id -> Integer,
        score -> Nullable<Double>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    surveys (id) {
        id -> Integer,
        unit_id -> Integer,
        title -> Text,
        period_start -> Date,
        period_end -> Date,
        method -> Text,
        target_units -> Text,
        participants -> Integer,
        findings -> Text,
        measures_taken -> Text,
        version -> Integer,
        created_by -> Nullable<Integer>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    brands (id) {
        id -> Integer,
        unit_id -> Integer,
        kind -> Text,
        name -> Text,
        theme -> Text,
        feature -> Text,
        slogan -> Text,
        method -> Text,
        status -> Text,
        cultivating_on -> Nullable<Date>,
        created_on -> Nullable<Date>,
        published_on -> Nullable<Date>,
        awarded_on -> Nullable<Date>,
        award -> Text,
        version -> Integer,
        created_by -> Nullable<Integer>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    brand_events (id) {
        id -> Integer,
        brand_id -> Integer,
        kind -> Text,
        held_on -> Date,
        title -> Text,
        place -> Text,
        notes -> Text,
        created_by -> Nullable<Integer>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    brand_promotions (id) {
        id -> Integer,
        brand_id -> Integer,
        platform -> Text,
        published_on -> Date,
        title -> Text,
        link -> Text,
        created_by -> Nullable<Integer>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    assessment_schemes (id) {
        id -> Integer,
        year -> Integer,
        title -> Text,
        notes -> Text,
        version -> Integer,
        created_by -> Nullable<Integer>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    assessment_indicators (id) {
        id -> Integer,
        scheme_id -> Integer,
        parent_id -> Nullable<Integer>,
        position -> Integer,
        name -> Text,
        kind -> Text,
        max_tenths -> Integer,
        rule -> Text,
        source -> Nullable<Text>,
        version -> Integer,
    }
}

diesel::table! {
    assessment_scores (id) {
        id -> Integer,
        scheme_id -> Integer,
        unit_id -> Integer,
        state -> Text,
        version -> Integer,
        submitted_by -> Nullable<Integer>,
        submitted_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    assessment_lines (id) {
        id -> Integer,
        score_id -> Integer,
        indicator_id -> Integer,
        self_tenths -> Nullable<Integer>,
        self_note -> Text,
        review_tenths -> Nullable<Integer>,
        review_note -> Text,
        office_tenths -> Nullable<Integer>,
        office_note -> Text,
        suggested_tenths -> Nullable<Integer>,
    }
}

diesel::table! {
    feedback_items (id) {
        id -> Integer,
        code -> Text,
        channel -> Text,
        category -> Text,
        content -> Text,
        name -> Text,
        phone -> Text,
        unit_id -> Nullable<Integer>,
        state -> Text,
        received_on -> Date,
        due_on -> Nullable<Date>,
        triage_note -> Text,
        assigned_at -> Nullable<Timestamp>,
        assigned_by -> Nullable<Integer>,
        reply -> Text,
        replied_at -> Nullable<Timestamp>,
        replied_by -> Nullable<Integer>,
        close_note -> Text,
        closed_at -> Nullable<Timestamp>,
        closed_by -> Nullable<Integer>,
        version -> Integer,
        created_by -> Nullable<Integer>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    incentives (id) {
        id -> Integer,
        kind -> Text,
        unit_id -> Integer,
        title -> Text,
        issuer -> Text,
        awarded_on -> Date,
        link -> Text,
        notes -> Text,
        version -> Integer,
        created_by -> Nullable<Integer>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    report_series (id) {
        id -> Integer,
        name -> Text,
        description -> Text,
        version -> Integer,
        created_by -> Nullable<Integer>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    series_issues (id) {
        id -> Integer,
        series_id -> Integer,
        number -> Integer,
        unit_id -> Integer,
        title -> Text,
        published_on -> Date,
        link -> Text,
        version -> Integer,
        created_by -> Nullable<Integer>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    referrals (id) {
        id -> Integer,
        target -> Text,
        unit_id -> Integer,
        person -> Text,
        reason -> Text,
        referred_on -> Date,
        state -> Text,
        decision -> Text,
        decided_on -> Nullable<Date>,
        outcome -> Text,
        version -> Integer,
        created_by -> Nullable<Integer>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    template_areas (id) {
        id -> Integer,
        position -> Integer,
        name -> Text,
        description -> Text,
        version -> Integer,
    }
}

diesel::table! {
    work_templates (id) {
        id -> Integer,
        area_id -> Integer,
        position -> Integer,
        title -> Text,
        description -> Text,
        downloads -> Integer,
        active -> Bool,
        version -> Integer,
        created_by -> Nullable<Integer>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    template_versions (id) {
        id -> Integer,
        template_id -> Integer,
        number -> Integer,
        file_name -> Text,
        content_type -> Text,
        size -> Integer,
        data -> Binary,
        note -> Text,
        uploaded_by -> Nullable<Integer>,
        uploaded_at -> Timestamp,
    }
}

diesel::joinable!(users -> units (unit_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(audit_log -> users (user_id));

diesel::joinable!(campaign_goals -> campaigns (campaign_id));
diesel::joinable!(campaign_months -> campaigns (campaign_id));
diesel::joinable!(unit_plans -> units (unit_id));
diesel::joinable!(measures -> units (unit_id));
diesel::joinable!(measures -> campaigns (campaign_id));
diesel::joinable!(measure_goals -> measures (measure_id));
diesel::joinable!(measure_goals -> campaign_goals (goal_id));
diesel::joinable!(rect_tables -> units (unit_id));
diesel::joinable!(rect_items -> rect_tables (table_id));
diesel::joinable!(rect_items -> units (unit_id));
diesel::joinable!(rect_extensions -> rect_items (item_id));
diesel::joinable!(task_force -> units (unit_id));
diesel::joinable!(task_force -> users (user_id));
diesel::joinable!(field_changes -> users (user_id));
diesel::joinable!(monthly_reports -> units (unit_id));
diesel::joinable!(monthly_reports -> campaigns (campaign_id));
diesel::joinable!(report_lines -> monthly_reports (report_id));
diesel::joinable!(first_topics -> units (unit_id));
diesel::joinable!(review_events -> users (actor_id));
diesel::joinable!(notices -> users (user_id));
diesel::joinable!(report_reminders -> units (unit_id));
diesel::joinable!(roster_people -> units (unit_id));
diesel::joinable!(activities -> units (unit_id));
diesel::joinable!(activity_attendance -> activities (activity_id));
diesel::joinable!(activity_attendance -> roster_people (person_id));
diesel::joinable!(surveys -> units (unit_id));
diesel::joinable!(brands -> units (unit_id));
diesel::joinable!(brand_events -> brands (brand_id));
diesel::joinable!(brand_promotions -> brands (brand_id));

diesel::joinable!(assessment_indicators -> assessment_schemes (scheme_id));
diesel::joinable!(assessment_scores -> assessment_schemes (scheme_id));
diesel::joinable!(assessment_scores -> units (unit_id));
diesel::joinable!(assessment_lines -> assessment_scores (score_id));
diesel::joinable!(assessment_lines -> assessment_indicators (indicator_id));
diesel::joinable!(feedback_items -> units (unit_id));
diesel::joinable!(incentives -> units (unit_id));
diesel::joinable!(series_issues -> report_series (series_id));
diesel::joinable!(series_issues -> units (unit_id));
diesel::joinable!(referrals -> units (unit_id));
diesel::joinable!(work_templates -> template_areas (area_id));
diesel::joinable!(template_versions -> work_templates (template_id));
diesel::table! {
    /// The database's write generation (migration `write_generation`): a one-row table on
    /// SQLite, a sequence on PostgreSQL; both are read as `last_value`.
    write_generation (last_value) {
        last_value -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    units,
    users,
    sessions,
    write_generation,
    login_throttle,
    audit_log,
    app_settings,
    campaigns,
    campaign_goals,
    campaign_months,
    attachments,
    unit_plans,
    measures,
    measure_goals,
    rect_tables,
    rect_items,
    rect_extensions,
    task_force,
    supervision_notes,
    field_changes,
    monthly_reports,
    report_lines,
    first_topics,
    review_events,
    reminders_sent,
    outbox,
    notices,
    report_reminders,
    roster_people,
    activities,
    activity_attendance,
    surveys,
    brands,
    brand_events,
    brand_promotions,
    assessment_schemes,
    assessment_indicators,
    assessment_scores,
    assessment_lines,
    feedback_items,
    incentives,
    report_series,
    series_issues,
    referrals,
    template_areas,
    work_templates,
    template_versions,
);
