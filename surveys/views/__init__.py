"""Pages of public satisfaction: staff questionnaires (`questionnaires`), a city's satisfaction page with its
imports and aggregation (`city`), and the public questionnaire (`public`)."""
