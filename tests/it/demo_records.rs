//! The demo records of issue 11 (roster, activities, surveys): the article's 2022 figures.
