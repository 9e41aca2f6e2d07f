"""Rules as data: legal periods, thresholds and limits with their citations; the working-day calendar."""
