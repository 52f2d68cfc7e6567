mod briefing;
